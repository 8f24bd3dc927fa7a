import fp from 'fastify-plugin';
import { AuthError, type Authenticator, type Principal, type Role } from '../auth.ts';
import { commonProblems } from '../problems.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; set on every route that declares `config.roles`. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; absent means public (health, metrics, docs). */
    roles?: readonly Role[];
  }
}

/**
 * A bearer token on every route that declares `config.roles`: 401 without a valid one, 403 for a
 * role the route does not allow. After @fastify/helmet, so that the 401 and 403 carry its headers.
 */
export const authentication = fp<{ authenticator: Authenticator }>(
  async (app, { authenticator }) => {
    app.decorateRequest('principal', null as unknown as Principal);

    app.addHook('onRequest', async (request) => {
      const roles = request.routeOptions.config?.roles;
      if (!roles) return;
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header) : null;
      if (!match) throw commonProblems.unauthorized('Send Authorization: Bearer <token>.');
      try {
        request.principal = await authenticator.verify(match[1]!);
      } catch (error) {
        if (error instanceof AuthError) throw commonProblems.unauthorized(error.message);
        throw error;
      }
      if (!roles.includes(request.principal.role)) {
        throw commonProblems.forbidden(`role ${request.principal.role} may not call ${request.method} ${request.routeOptions.url}`);
      }
    });
  },
  { name: 'service-runtime.auth', dependencies: ['@fastify/helmet'] },
);
