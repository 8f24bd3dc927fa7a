import { runMain } from '@smart-expertise/service-runtime';
import { buildMissionIntake } from './service.ts';

await runMain(() => buildMissionIntake(process.env));
