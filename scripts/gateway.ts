// The local stand-in for the Kubernetes Ingress: one base URL in front of the five services.
// API paths go to the service that owns them; /<service>/... reaches a service's own health,
// metrics and docs with the prefix stripped; /health/ready answers for all of them.
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';
import { ServiceRoutes, SERVICE_NAMES, type ServiceName } from '@smart-expertise/contracts';

export async function startGateway({ port, host = '127.0.0.1', upstreams }: { port: number; host?: string; upstreams: Record<ServiceName, string> }) {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  for (const name of SERVICE_NAMES) {
    const upstream = upstreams[name];
    for (const prefix of ServiceRoutes[name].apiPrefixes) {
      await app.register(proxy, { upstream, prefix, rewritePrefix: prefix, http: { requestOptions: { timeout: 60_000 } } });
    }
    await app.register(proxy, { upstream, prefix: `/${name}`, rewritePrefix: '' });
  }
  app.get('/health/ready', async (_request, reply) => {
    const checks = Object.fromEntries(
      await Promise.all(
        SERVICE_NAMES.map(async (name) => {
          try {
            const response = await fetch(`${upstreams[name]}/health/ready`, { signal: AbortSignal.timeout(3_000) });
            return [name, response.ok ? 'ready' : 'not_ready'];
          } catch {
            return [name, 'down'];
          }
        }),
      ),
    );
    const ready = Object.values(checks).every((s) => s === 'ready');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/', async () => ({
    product: 'Smart Expertise',
    services: Object.fromEntries(
      SERVICE_NAMES.map((name) => [name, { api: ServiceRoutes[name].apiPrefixes, docs: `/${name}/docs`, health: `/${name}/health/ready`, metrics: `/${name}/metrics` }]),
    ),
  }));
  const url = await app.listen({ port, host });
  return { url, close: () => app.close() };
}
