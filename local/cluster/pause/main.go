// Command pause is the sandbox ("pause") process of every pod on the local cluster: PID 1 of the
// pod's namespaces, it holds them open, reaps the zombies of processes that were re-parented to it
// and exits 0 on SIGTERM or SIGINT, like Kubernetes' pause.c. Built static by
// local/cluster/images.sh into the scratch image localhost/ecom/pause:3.10.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-v" || os.Args[1] == "--version") {
		fmt.Println("pause (ecom local) 3.10")
		return
	}
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "Warning: pause should be the first process")
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			fmt.Fprintf(os.Stderr, "Shutting down, got signal: %v\n", sig)
			os.Exit(0)
		}
		for { // reap every child that has exited; several SIGCHLD may have folded into one
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
