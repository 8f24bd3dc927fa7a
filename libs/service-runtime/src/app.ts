import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import helmet from '@fastify/helmet';
import type { Logger } from 'pino';
import type { TopicName } from '@smart-expertise/contracts';
import { createAuthenticator } from './auth.ts';
import type { BaseConfig } from './config.ts';
import type { Pool } from './db.ts';
import type { Kafka } from './kafka.ts';
import type { Outbox, OutboxOptions } from './outbox.ts';
import type { ConsumerSpec } from './consumer.ts';
import type { Metrics } from './metrics.ts';
import { authentication } from './app/auth.ts';
import { createContext } from './app/context.ts';
import { docs } from './app/docs.ts';
import { errorHandlers, frameworkErrors } from './app/errors.ts';
import { health } from './app/health.ts';
import { jsonBody } from './app/json-body.ts';
import { createLifecycle } from './app/lifecycle.ts';
import { bodyLimitCap, requestLimits } from './app/limits.ts';
import { httpMetrics, metricsRoute, watchConsumerLag, watchOutbox } from './app/metrics.ts';
import { rateLimits } from './app/rate-limit.ts';
import { parkedEventRoutes } from './app/parked-events.ts';
import { requestId, requestIds } from './app/request-id.ts';
import { routeTable, type RouteInfo } from './app/route-table.ts';
import { validation } from './app/validation.ts';

export { createLogger } from './app/logging.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ServiceContext<C extends BaseConfig = BaseConfig> {
  name: string;
  config: C;
  logger: Logger;
  pool: Pool;
  schema: string;
  kafka: Kafka;
  outbox: Outbox;
  metrics: Metrics;
  /** Time comes in: tests move it, production reads the system clock. */
  clock: () => Date;
}

export interface BackgroundTask {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceDefinition<C extends BaseConfig> {
  name: string;
  description: string;
  version?: string;
  config: C;
  migrationsDir: string;
  /** Topics this service publishes to or reads from; created at start when KAFKA_CREATE_TOPICS. */
  topics?: TopicName[];
  /**
   * false: the service writes no topic, and its Kafka user may not (the broker refuses even the
   * idempotent producer's id to a user that may write nothing), so no producer connects and no
   * outbox relay runs.
   */
  publishes?: boolean;
  routes(app: App, ctx: ServiceContext<C>): Promise<void> | void;
  consumers?(ctx: ServiceContext<C>): ConsumerSpec[];
  background?(ctx: ServiceContext<C>): BackgroundTask[];
  clock?: () => Date;
  logger?: Logger;
  /** Test seams for the outbox relay. */
  outbox?: Pick<OutboxOptions, 'afterPublish'>;
}

export interface Service<C extends BaseConfig> {
  app: App;
  ctx: ServiceContext<C>;
  /** Brings the schema up to date (start does it too). */
  migrate(): Promise<void>;
  /** Migrates, connects, starts relay and consumers, then listens; returns the base URL. */
  start(): Promise<string>;
  /** Stops taking requests, drains in-flight ones and the consumers, then closes connections. */
  stop(): Promise<void>;
  /** Every route registered, with the roles it allows (absent: public) and its body limit; the access-matrix test reads it. */
  routes(): RouteInfo[];
}

export async function createService<C extends BaseConfig>(def: ServiceDefinition<C>): Promise<Service<C>> {
  const { ctx, producer, admin } = createContext(def);
  const { config, logger, pool, outbox, metrics } = ctx;
  const authenticator = createAuthenticator({
    secret: config.JWT_SECRET,
    jwksUrl: config.JWT_JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
  watchOutbox(metrics, { outbox, pool });

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: requestId,
    ...requestLimits(config),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  const lifecycle = createLifecycle({ app, def, ctx, producer, admin });

  // Every plugin below works on the app itself (fastify-plugin), not in a child context: its hooks
  // apply to every route and run in the order registered (onRequest: metrics, helmet, then
  // authentication), and every route registered after it passes its onRoute hooks.
  const routes: RouteInfo[] = [];
  await app.register(validation);
  await app.register(bodyLimitCap, { max: config.BODY_LIMIT_BYTES });
  await app.register(routeTable, { into: routes, defaultBodyLimit: config.BODY_LIMIT_BYTES });
  await app.register(jsonBody);
  await app.register(requestIds);
  await app.register(httpMetrics, { metrics });
  await app.register(errorHandlers);
  // Security headers on every answer, also the 401 and 403 of the authentication hook below.
  await app.register(helmet, { global: true, contentSecurityPolicy: false });
  // Authentication first, so that rate limiting can count per organisation.
  await app.register(authentication, { authenticator });
  await app.register(rateLimits, { perMinute: config.RATE_LIMIT_PER_MINUTE });
  await app.register(docs, { service: def.name, description: def.description, version: def.version ?? '1.0.0' });
  await app.register(health, { pool, admin, phase: lifecycle.phase, metrics });
  await app.register(metricsRoute, { metrics });

  await def.routes(app, ctx);
  const consumers = def.consumers?.(ctx) ?? [];
  if (consumers.length > 0) parkedEventRoutes(app, { pool, consumers });
  watchConsumerLag(metrics, { admin, consumers, topicPrefix: config.KAFKA_TOPIC_PREFIX });

  return {
    app,
    ctx,
    migrate: lifecycle.migrate,
    routes: () => routes.map((r) => ({ ...r })),
    start: () => lifecycle.start(consumers),
    stop: lifecycle.stop,
  };
}
