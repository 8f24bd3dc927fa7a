import { runMain } from '@smart-expertise/service-runtime';
import { buildIntegrations } from './service.ts';

await runMain(() => buildIntegrations(process.env));
