export { baseSettings } from './base.js';
export { configOrExit } from './exit.js';
export * from './parse.js';
