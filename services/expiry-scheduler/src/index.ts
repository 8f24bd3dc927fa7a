export { buildExpiryScheduler, type ExpiryScheduler, type BuildOptions } from './service.ts';
export { sweep, type SweepOptions, type SchedulerContext } from './events/sweep.ts';
export { loadExpiryConfig, ExpiryConfigSchema, type ExpiryConfig } from './config.ts';
