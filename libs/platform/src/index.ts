// Nest-side plumbing shared by apps/api and apps/worker: configuration, Redis, preflight.
export * from './config.module.js';
export * from './preflight.js';
export * from './redis.js';
export * from './persistence.module.js';
export * from './shutdown.js';
export * from './storage.js';
export * from './metrics-store.js';
export * from './rate-limiter.js';
export * from './redis.module.js';
export * from './logger.js';
export * from './share-links.js';
