import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

/** The OpenAPI document, from the routes' own schemas, and Swagger UI at /docs. */
export const docs = fp<{ service: string; description: string; version: string }>(
  async (app, { service, description, version }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: `Smart Expertise — ${service}`, description, version },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'service-runtime.docs' },
);
