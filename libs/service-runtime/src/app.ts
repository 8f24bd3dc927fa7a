import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import pino, { type Logger } from 'pino';
import { Settings } from 'typebox/system';
import { Problem, ALL_TOPICS, type TopicName } from '@smart-expertise/contracts';
import { createAuthenticator, AuthError, type Principal, type Role } from './auth.ts';
import type { BaseConfig } from './config.ts';
import { createPool, migrate, type Pool } from './db.ts';
import { createKafka, createProducer, ensureTopics, type Kafka } from './kafka.ts';
import { createOutbox, type Outbox, type OutboxOptions } from './outbox.ts';
import { createConsumer, type ConsumerSpec, type RunningConsumer } from './consumer.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { HttpProblem, commonProblems } from './problems.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; set on every route that declares `config.roles`. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; absent means public (health, metrics, docs). */
    roles?: readonly Role[];
    /** Per-route body limit is fastify's own `bodyLimit`; this one caps requests per minute. */
    rateLimitPerMinute?: number;
  }
}

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

export interface RouteInfo {
  method: string;
  url: string;
  roles?: readonly Role[];
  bodyLimit?: number;
}

/** Fields never written to logs: tokens, and owners' personal data. */
export const LOG_REDACTIONS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  // Plugins that log their options with the request's headers (@fastify/multipart at trace: busboyOptions.headers).
  '*.headers.authorization',
  '*.headers.cookie',
  '*.owner.name',
  '*.owner.phone',
  '*.owner.email',
  'owner.name',
  'owner.phone',
  'owner.email',
  // Owners nested deeper (event payloads: payload.mission.owner).
  '*.*.owner.name',
  '*.*.owner.phone',
  '*.*.owner.email',
  '*.*.*.owner.name',
  '*.*.*.owner.phone',
  '*.*.*.owner.email',
  // PostgreSQL errors quote the failing row or the JSON being parsed (owners' data) in detail and where.
  'err.detail',
  'err.where',
  'err.cause.detail',
  'err.cause.where',
];

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first string (value or key) PostgreSQL cannot store: a NUL character (refused by text and
 * jsonb) or an unpaired UTF-16 surrogate (refused by jsonb). Iterative, so deep nesting cannot
 * overflow the stack. Returns its JSON pointer, or null.
 */
export function unstorableStringPath(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  const bad = (text: string) => text.includes('\u0000') || UNPAIRED_SURROGATE.test(text);
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (bad(node)) return path || '/';
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) stack.push([node[i], `${path}/${i}`]);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        if (bad(key)) return at;
        stack.push([child, at]);
      }
    }
  }
  return null;
}

/** The services' logger; `destination` lets tests capture exactly what production would write. */
export function createLogger(name: string, level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: { paths: LOG_REDACTIONS, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

type ValidationIssue = { instancePath?: string; message?: string; keyword?: string; params?: Record<string, unknown> };

/** Turns validator output into field paths a client can act on. */
export function validationErrors(issues: ValidationIssue[], part: string): { path: string; message: string }[] {
  const out = new Map<string, string>();
  for (const issue of issues) {
    const base = `${part === 'body' ? '' : `/${part}`}${issue.instancePath ?? ''}`;
    const params = issue.params ?? {};
    if (issue.keyword === 'required' && Array.isArray(params.requiredProperties)) {
      for (const p of params.requiredProperties) out.set(`${base}/${p}`, 'is required');
    } else if (issue.keyword === 'additionalProperties' && Array.isArray(params.additionalProperties)) {
      for (const p of params.additionalProperties) out.set(`${base}/${p}`, 'is not an allowed field');
    } else if (issue.keyword === 'boolean' && issue.message === 'schema is false') {
      out.set(base || '/', 'is not an allowed field');
    } else if (!out.has(base || '/')) {
      out.set(base || '/', issue.message ?? 'is invalid');
    }
  }
  return [...out].map(([path, message]) => ({ path, message }));
}

// A bad request names every bad field at once: TypeBox stops at 8 errors by default, and one
// failed union of literals alone uses 3.
if (Settings.Get().maxErrors < 100) Settings.Set({ maxErrors: 100 });

export async function createService<C extends BaseConfig>(def: ServiceDefinition<C>): Promise<Service<C>> {
  const { config } = def;
  const logger = def.logger ?? createLogger(def.name, config.LOG_LEVEL);
  const schema = config.DB_SCHEMA ?? def.name.replaceAll('-', '_');
  const pool = createPool({ url: config.DATABASE_URL, schema, max: config.DB_POOL_MAX, logger, statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS });
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    clientId: config.KAFKA_CLIENT_ID ?? def.name,
    logger,
  });
  const producer = createProducer(kafka);
  const admin = kafka.admin();
  const metrics = createMetrics(def.name);
  const outbox = createOutbox({
    pool,
    schema,
    producer,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    logger,
    pollMs: config.OUTBOX_POLL_MS,
    batchSize: config.OUTBOX_BATCH_SIZE,
    afterPublish: def.outbox?.afterPublish,
    onPublished: (n) => metrics.eventsPublished.inc(n),
  });
  const ctx: ServiceContext<C> = { name: def.name, config, logger, pool, schema, kafka, outbox, metrics, clock: def.clock ?? (() => new Date()) };
  const authenticator = createAuthenticator({
    secret: config.JWT_SECRET,
    jwksUrl: config.JWT_JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });

  metrics.gauge('outbox_pending_events', 'Events written but not yet published to Kafka', async () => (await outbox.backlog()).pending);
  metrics.gauge('outbox_oldest_pending_age_seconds', 'Age of the oldest unpublished event', async () => (await outbox.backlog()).oldestAgeSeconds);
  metrics.gauge('parked_events', 'Events parked for ops (invalid or repeatedly failing)', async () => {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM parked_events WHERE replayed_at IS NULL');
    return rows[0]?.n ?? 0;
  });

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.REQUEST_TIMEOUT_MS,
    // Node checks the request timeout only every 30 s by default: a client trickling its request
    // (slowloris) held a connection that long whatever REQUEST_TIMEOUT_MS said.
    http: {
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(config.REQUEST_TIMEOUT_MS / 2))),
      headersTimeout: Math.min(60_000, config.REQUEST_TIMEOUT_MS),
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Errors the router raises before any hook runs (a malformed URL, an id over maxParamLength):
    // problem+json like every other refusal (the hostile-input campaign found plain JSON 414s).
    frameworkErrors: (error, request, untypedReply) => {
      const reply = untypedReply as unknown as FastifyReply;
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      void reply
        .code(status)
        .header('x-content-type-options', 'nosniff')
        .header('x-request-id', request.id)
        .type('application/problem+json')
        .send({
          type: `https://smart-expertise.example/problems/${(error.code ?? 'bad_request').toLowerCase()}`,
          title: status === 414 ? 'URI too long' : 'Bad request',
          status,
          code: (error.code ?? 'bad_request').toLowerCase(),
          detail: error.message,
          requestId: request.id,
        });
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.addSchema(Problem);
  app.decorateRequest('principal', null as unknown as Principal);

  // The route table with roles, for the access-matrix test (service.routes()).
  const routeTable: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    // A route's own limit may be smaller than BODY_LIMIT_BYTES, never larger.
    if (route.bodyLimit !== undefined) route.bodyLimit = Math.min(route.bodyLimit, config.BODY_LIMIT_BYTES);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      routeTable.push({ method, url: route.url, roles: route.config?.roles, bodyLimit: route.bodyLimit ?? config.BODY_LIMIT_BYTES });
    }
  });

  // JSON bodies: fastify's parser (prototype poisoning refused), then a 400 for strings PostgreSQL
  // cannot store (NUL, unpaired surrogates), which would otherwise fail deep in a transaction as a 500.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      const path = unstorableStringPath(value);
      if (path !== null) {
        const message = 'contains a NUL character or an unpaired UTF-16 surrogate';
        return done(commonProblems.validationFailed(`${path} ${message}`, { errors: [{ path, message }] }), undefined);
      }
      done(null, value);
    });
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Counted from the headers' arrival, so a drain on shutdown can be watched (and tested) as it happens.
  const inFlight = new WeakSet<object>();
  const settle = (request: { method: string; routeOptions: { url?: string } }) => {
    if (!inFlight.delete(request)) return;
    metrics.httpInFlight.dec({ method: request.method, route: request.routeOptions.url ?? 'unmatched' });
  };
  app.addHook('onRequest', async (request) => {
    inFlight.add(request);
    metrics.httpInFlight.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched' });
  });
  app.addHook('onRequestAbort', async (request) => settle(request));
  app.addHook('onResponse', async (request, reply) => {
    settle(request);
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    let problem: HttpProblem;
    if (error instanceof HttpProblem) problem = error;
    else if ((error as FastifyError).validation) {
      const fe = error as FastifyError;
      const errors = validationErrors(fe.validation as ValidationIssue[], fe.validationContext ?? 'body');
      problem = commonProblems.validationFailed(errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
    } else if ((error as FastifyError).statusCode === 429) problem = commonProblems.rateLimited(error.message);
    else if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') problem = commonProblems.payloadTooLarge(error.message);
    else if ((error as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') problem = commonProblems.unsupportedMediaType(error.message);
    else if ((error as FastifyError).statusCode && (error as FastifyError).statusCode! < 500) {
      const fe = error as FastifyError;
      problem = new HttpProblem(fe.statusCode!, (fe.code ?? 'bad_request').toLowerCase(), 'Bad request', fe.message);
    } else {
      request.log.error({ err: error }, 'unhandled error');
      problem = commonProblems.internal('An unexpected error occurred; it has been logged with this request id.');
    }
    if (problem.status === 503) reply.header('retry-after', '5');
    void reply
      .code(problem.status)
      .type('application/problem+json')
      .send({
        type: `https://smart-expertise.example/problems/${problem.code}`,
        title: problem.title,
        status: problem.status,
        code: problem.code,
        detail: problem.detail,
        instance: request.url,
        requestId: request.id,
        ...(problem.errors ? { errors: problem.errors } : {}),
        ...problem.extra,
      });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).type('application/problem+json').send({
      type: 'https://smart-expertise.example/problems/not_found',
      title: 'Not found',
      status: 404,
      code: 'not_found',
      detail: `no route ${request.method} ${request.url.split('?')[0]}`,
      requestId: request.id,
    });
  });

  // Security headers on every answer, also the 401 and 403 of the authentication hook below.
  await app.register(helmet, { global: true, contentSecurityPolicy: false });

  // Authentication first, so that rate limiting can count per organisation.
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

  await app.register(rateLimit, {
    global: true,
    max: (request) => request.routeOptions.config?.rateLimitPerMinute ?? config.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    hook: 'preHandler',
    keyGenerator: (request) => (request.principal ? `org:${request.principal.org}` : `ip:${request.ip}`),
    allowList: (request) => !request.routeOptions.config?.roles,
    errorResponseBuilder: (_request, context) => {
      const error = commonProblems.rateLimited(`more than ${context.max} requests per minute for this organisation; retry after ${context.after}`);
      return Object.assign(error, { statusCode: 429 });
    },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `Smart Expertise — ${def.name}`, description: def.description, version: def.version ?? '1.0.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  let kafkaHealthy = { at: 0, ok: false };
  async function kafkaReachable(): Promise<boolean> {
    if (Date.now() - kafkaHealthy.at < 2_000) return kafkaHealthy.ok;
    let ok = false;
    try {
      await Promise.race([admin.describeCluster(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref())]);
      ok = true;
    } catch {
      ok = false;
    }
    kafkaHealthy = { at: Date.now(), ok };
    return ok;
  }
  async function databaseReachable(): Promise<boolean> {
    try {
      await Promise.race([pool.query('SELECT 1'), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref())]);
      return true;
    } catch {
      return false;
    }
  }

  let started = false;
  let stopping = false;
  const Health = { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } } as const;
  app.get('/health/live', { schema: { hide: true, response: { 200: Health } } }, async () => ({ status: 'live', checks: {} }));
  app.get('/health/ready', { schema: { hide: true, response: { 200: Health, 503: Health } } }, async (_request, reply) => {
    const [database, broker] = await Promise.all([databaseReachable(), kafkaReachable()]);
    const ready = started && !stopping && database && broker;
    const checks = { database: database ? 'up' : 'down', kafka: broker ? 'up' : 'down', service: stopping ? 'stopping' : started ? 'started' : 'starting' };
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  await def.routes(app, ctx);

  const consumers: RunningConsumer[] = [];
  const tasks: BackgroundTask[] = [];
  const consumerSpecs = def.consumers?.(ctx) ?? [];

  metrics.gauge(
    'kafka_consumer_lag',
    'Messages on the topic not yet consumed by this service, per topic and consumer group',
    async () => {
      const out: Array<{ labels: Record<string, string>; value: number }> = [];
      for (const spec of consumerSpecs) {
        const groupId = config.KAFKA_TOPIC_PREFIX + spec.groupId;
        const topics = spec.topics.map((t) => config.KAFKA_TOPIC_PREFIX + t);
        const committed = await admin.fetchOffsets({ groupId, topics });
        for (const { topic, partitions } of committed) {
          const latest = await admin.fetchTopicOffsets(topic);
          let lag = 0;
          for (const p of partitions) {
            const high = Number(latest.find((l) => l.partition === p.partition)?.high ?? 0);
            const done = Number(p.offset) < 0 ? 0 : Number(p.offset);
            lag += Math.max(0, high - done);
          }
          out.push({ labels: { topic, group: groupId }, value: lag });
        }
      }
      return out;
    },
    ['topic', 'group'],
  );

  const runMigrations = () => migrate({ url: config.DATABASE_URL, schema, dir: def.migrationsDir, logger });
  return {
    app,
    ctx,
    migrate: runMigrations,
    routes: () => routeTable.map((r) => ({ ...r })),
    async start() {
      await runMigrations();
      await admin.connect();
      if (config.KAFKA_CREATE_TOPICS) {
        const topics = (def.topics ?? ALL_TOPICS).map((t) => config.KAFKA_TOPIC_PREFIX + t);
        await ensureTopics(admin, topics, { partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR });
      }
      await producer.connect();
      await outbox.start();
      for (const spec of consumerSpecs) {
        const consumer = createConsumer({
          kafka,
          pool,
          spec,
          topicPrefix: config.KAFKA_TOPIC_PREFIX,
          logger,
          metrics: { consumed: (type, outcome) => metrics.eventsConsumed.inc({ type, outcome }) },
          sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
        });
        await consumer.start();
        consumers.push(consumer);
      }
      for (const task of def.background?.(ctx) ?? []) {
        await task.start();
        tasks.push(task);
      }
      const url = await app.listen({ host: config.HOST, port: config.PORT });
      started = true;
      logger.info({ url }, `${def.name} ready`);
      return url;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      // Stop taking requests and let in-flight ones finish, then stop producing work.
      await app.close();
      for (const task of tasks.splice(0)) await task.stop();
      for (const consumer of consumers.splice(0)) await consumer.stop();
      await outbox.stop();
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      await pool.end().catch(() => {});
      logger.info(`${def.name} stopped`);
    },
  };
}
