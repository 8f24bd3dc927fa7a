import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import { commonProblems } from '../problems.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Per-route body limit is fastify's own `bodyLimit`; this one caps requests per minute. */
    rateLimitPerMinute?: number;
  }
}

/**
 * Requests per minute and organisation on the routes that declare roles (RATE_LIMIT_PER_MINUTE,
 * or the route's `config.rateLimitPerMinute`); public routes are not counted.
 */
export const rateLimits = fp<{ perMinute: number }>(
  async (app, { perMinute }) => {
    await app.register(rateLimit, {
      global: true,
      max: (request) => request.routeOptions.config?.rateLimitPerMinute ?? perMinute,
      timeWindow: 60_000,
      hook: 'preHandler',
      keyGenerator: (request) => (request.principal ? `org:${request.principal.org}` : `ip:${request.ip}`),
      allowList: (request) => !request.routeOptions.config?.roles,
      errorResponseBuilder: (_request, context) => {
        const error = commonProblems.rateLimited(`more than ${context.max} requests per minute for this organisation; retry after ${context.after}`);
        return Object.assign(error, { statusCode: 429 });
      },
    });
  },
  { name: 'service-runtime.rate-limit', dependencies: ['service-runtime.auth'] },
);
