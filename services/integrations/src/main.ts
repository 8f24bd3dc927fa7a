import { runMain } from '@smart-expertise/service-runtime';
import { buildIntegrations, migrations } from './service.ts';

await runMain(() => buildIntegrations(process.env), migrations);
