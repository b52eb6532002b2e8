package main

// The collector release the module versions in go.mod are pinned to.
const version = "0.165.0"
