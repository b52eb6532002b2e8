export * from './infra.js';
export * from './problem.js';
export * from './service.js';
