import { runMain } from '@smart-expertise/service-runtime';
import { buildExpiryScheduler } from './service.ts';

await runMain(() => buildExpiryScheduler(process.env));
