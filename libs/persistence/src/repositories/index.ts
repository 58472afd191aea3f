export * from './analyses.repository.js';
export * from './captures.repository.js';
export * from './projects.repository.js';
export * from './snapshots.repository.js';
export * from './results.repository.js';
export * from './flows-query.repository.js';
export * from './chat-settings.repository.js';
export * from './webhooks.repository.js';
