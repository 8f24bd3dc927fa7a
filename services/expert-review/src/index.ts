export { buildExpertReview, type BuildOptions } from './service.ts';
