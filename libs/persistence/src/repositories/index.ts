export * from './analyses.repository.js';
export * from './projects.repository.js';
