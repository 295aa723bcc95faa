export * from './orderLifecycle.js';
export * from './symbolLock.js';
export * from './strategyLifecycle.js';
export * from './circuitBreaker.js';
export * from './engineRoot.js';
