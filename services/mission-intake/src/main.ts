import { runMain } from '@smart-expertise/service-runtime';
import { buildMissionIntake, migrations } from './service.ts';

await runMain(() => buildMissionIntake(process.env), migrations);
