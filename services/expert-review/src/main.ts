import { runMain } from '@smart-expertise/service-runtime';
import { buildExpertReview } from './service.ts';

await runMain(() => buildExpertReview(process.env));
