export { buildMissionIntake, type BuildOptions } from './service.ts';
