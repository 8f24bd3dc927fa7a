import { runMain } from '@smart-expertise/service-runtime';
import { buildExpiryScheduler, migrations } from './service.ts';

await runMain(() => buildExpiryScheduler(process.env), migrations);
