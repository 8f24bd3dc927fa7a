import Type from 'typebox';
import { loadConfig } from '@smart-expertise/service-runtime';

/** expert-review adds no variable of its own; it listens on 3003 unless PORT says otherwise. */
export const ExpertReviewConfig = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003 }),
});

export function loadExpertReviewConfig(env: Record<string, string | undefined>) {
  return loadConfig(ExpertReviewConfig, env);
}
export type ExpertReviewConfig = ReturnType<typeof loadExpertReviewConfig>;
