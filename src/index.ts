export * from './core/errors.js';
export * from './core/process.js';
export * from './core/tests.js';
export * from './core/records.js';
export * from './core/model.js';
export * from './config/gym-spec.js';
export * from './config/load-gym-spec.js';
