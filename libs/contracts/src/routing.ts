/**
 * Where each service answers under the platform's single host: the API path prefixes an ingress
 * routes to it, and the prefix under which its health, metrics and docs are exposed.
 */
export const ServiceRoutes = {
  'mission-intake': { port: 3001, apiPrefixes: ['/v1/missions', '/v1/board', '/v1/insurers'] },
  quote: { port: 3002, apiPrefixes: ['/v1/quotes'] },
  'expert-review': { port: 3003, apiPrefixes: ['/v1/reviews'] },
  'expiry-scheduler': { port: 3004, apiPrefixes: ['/v1/expiry-runs'] },
  integrations: { port: 3005, apiPrefixes: ['/v1/subscriptions', '/v1/feed'] },
} as const;
export type ServiceName = keyof typeof ServiceRoutes;

/**
 * The operations paths every consuming service answers for itself (its parked events): the
 * gateway reaches one service's at `/<service><path>`, rewritten to `<path>`.
 */
export const OPS_PATHS = ['/v1/parked-events'] as const;
export const SERVICE_NAMES = Object.keys(ServiceRoutes) as ServiceName[];
