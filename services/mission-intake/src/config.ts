import Type from 'typebox';
import { loadConfig } from '@smart-expertise/service-runtime';

/** mission-intake adds no variable of its own; it listens on 3001 unless PORT says otherwise. */
export const MissionIntakeConfig = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
});

export function loadMissionIntakeConfig(env: Record<string, string | undefined>) {
  return loadConfig(MissionIntakeConfig, env);
}
export type MissionIntakeConfig = ReturnType<typeof loadMissionIntakeConfig>;
