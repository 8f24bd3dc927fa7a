export { buildIntegrations, type BuildOptions, type Integrations } from './service.ts';
