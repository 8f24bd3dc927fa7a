import { runMain } from '@smart-expertise/service-runtime';
import { buildExpertReview, migrations } from './service.ts';

await runMain(() => buildExpertReview(process.env), migrations);
