import fp from 'fastify-plugin';
import type { Role } from '../auth.ts';

export interface RouteInfo {
  method: string;
  url: string;
  roles?: readonly Role[];
  bodyLimit?: number;
}

/**
 * The route table with roles, for the access-matrix test (service.routes()). After the body-limit
 * cap, so that it records the limit a route really has.
 */
export const routeTable = fp<{ into: RouteInfo[]; defaultBodyLimit: number }>(
  async (app, { into, defaultBodyLimit }) => {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        into.push({ method, url: route.url, roles: route.config?.roles, bodyLimit: route.bodyLimit ?? defaultBodyLimit });
      }
    });
  },
  { name: 'service-runtime.route-table', dependencies: ['service-runtime.body-limit'] },
);
