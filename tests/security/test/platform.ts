// The five services in-process on one topic prefix (events flow between them like in production),
// requests through fastify's inject (no sockets), and seeding through the real APIs and events.
// Webhooks go to an in-process receiver instead of the network: integrations keeps the production
// rules for targets (https only, public addresses only) and still seals, signs and logs each
// delivery as in production; only the socket is replaced.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { buildExpertReview } from '@smart-expertise/expert-review';
import { buildExpiryScheduler } from '@smart-expertise/expiry-scheduler';
import { buildIntegrations, type BuildOptions as IntegrationsOptions } from '@smart-expertise/integrations';
import { buildMissionIntake } from '@smart-expertise/mission-intake';
import { buildQuote } from '@smart-expertise/quote';
import type { Principal } from '@smart-expertise/service-runtime';
import { testEnvironment, token, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';

export type ServiceName = 'mission-intake' | 'quote' | 'expert-review' | 'expiry-scheduler' | 'integrations';
export const SERVICE_NAMES: ServiceName[] = ['mission-intake', 'quote', 'expert-review', 'expiry-scheduler', 'integrations'];
type AnyService =
  | Awaited<ReturnType<typeof buildMissionIntake>>
  | Awaited<ReturnType<typeof buildQuote>>
  | Awaited<ReturnType<typeof buildExpertReview>>
  | Awaited<ReturnType<typeof buildExpiryScheduler>>
  | Awaited<ReturnType<typeof buildIntegrations>>;

type Poster = NonNullable<IntegrationsOptions['poster']>;

/** What integrations posted: the receiver of every webhook, answering without a socket. */
export class WebhookInbox implements Poster {
  readonly received: { url: string; headers: Record<string, string>; body: string }[] = [];
  /** What to answer next, per delivery; 204 when empty. */
  readonly answers: number[] = [];

  async post(url: string, headers: Record<string, string>, body: string) {
    this.received.push({ url, headers, body });
    return { status: this.answers.shift() ?? 204, error: null, durationMs: 0 };
  }

  close(): void {}
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json: any;
  ms: number;
}

export interface InjectOptions {
  token?: string;
  authorization?: string;
  body?: unknown;
  /** Sent as is (a string or bytes), with `contentType`. */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export const EXPERT_IDENTITY = { name: 'Jan Peeters', phone: '+32 470 12 34 56' };

export interface PlatformOptions {
  /** Variables per service, over the test defaults (integrations: the production rules for webhook targets). */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  loggers?: Partial<Record<ServiceName, Logger>>;
  /** Start consumers and relays (needed to seed through events); otherwise only migrate. */
  start?: boolean;
}

export class Platform {
  readonly services = new Map<ServiceName, AnyService>();
  readonly topicPrefix = `t${uniqueSuffix()}.`;
  /** The key that seals the webhook signing secrets at rest: it must never reach a log either. */
  readonly webhookSecretsKey = randomBytes(32).toString('base64');
  readonly webhooks = new WebhookInbox();

  static async create(options: PlatformOptions = {}): Promise<Platform> {
    const platform = new Platform();
    const shared = { topicPrefix: platform.topicPrefix };
    const env = (name: ServiceName, extra: Record<string, string> = {}) => testEnvironment(name, { ...extra, ...options.env?.[name] }, shared);
    const log = (name: ServiceName) => (options.loggers?.[name] ? { logger: options.loggers[name] } : {});
    const built = await Promise.all([
      buildMissionIntake(env('mission-intake'), log('mission-intake')),
      buildQuote(env('quote'), log('quote')),
      buildExpertReview(env('expert-review'), log('expert-review')),
      buildExpiryScheduler(env('expiry-scheduler', { EXPIRY_CRON_ENABLED: 'false' }), log('expiry-scheduler')),
      // Production's rules: no http://, no private, loopback or link-local target.
      buildIntegrations(env('integrations', { WEBHOOK_SECRETS_KEY: platform.webhookSecretsKey, WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_ALLOWED_NETWORKS: '' }), {
        ...log('integrations'),
        poster: platform.webhooks,
      }),
    ]);
    SERVICE_NAMES.forEach((name, i) => platform.services.set(name, built[i]!));
    if (options.start === false) await Promise.all(built.map(async (s) => (await s.migrate(), await s.app.ready())));
    else await Promise.all(built.map((s) => s.start()));
    return platform;
  }

  service(name: ServiceName): AnyService {
    return this.services.get(name)!;
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.services.values()].map(async (s) => {
        if (s.app.server.listening) await s.stop();
        else {
          await s.app.close();
          await s.ctx.pool.end().catch(() => {});
        }
      }),
    );
  }

  async request(service: ServiceName, method: string, url: string, options: InjectOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    let payload: string | Buffer | undefined;
    if (options.raw !== undefined) {
      payload = options.raw;
      if (options.contentType) headers['content-type'] = options.contentType;
    } else if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const started = performance.now();
    const response = await this.service(service).app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
    const ms = performance.now() - started;
    let json: unknown;
    try {
      json = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body: response.body, json, ms };
  }

  /** Rows per table in each service's schema: refused requests must change none of them. */
  async tableCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [name, service] of this.services) {
      const { rows } = await service.ctx.pool.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name NOT LIKE '%migrations' ORDER BY table_name",
        [service.ctx.schema],
      );
      for (const { table_name } of rows) {
        const counted = await service.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name}"`);
        out[`${name}.${table_name}`] = counted.rows[0]!.n;
      }
    }
    return out;
  }

  /** Waits until no event is pending in any outbox, no webhook is due, and the row counts stop moving. */
  async quiesce(): Promise<Record<string, number>> {
    let previous = '';
    return waitFor(
      async () => {
        for (const service of this.services.values()) {
          const { rows } = await service.ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
          if (rows[0]!.n > 0) return undefined;
        }
        if ((await this.dueWebhooks()) > 0) return undefined;
        const counts = await this.tableCounts();
        const now = JSON.stringify(counts);
        const stable = now === previous;
        previous = now;
        return stable ? counts : undefined;
      },
      { intervalMs: 700, timeoutMs: 60_000, message: 'the platform to be quiet' },
    );
  }

  /** Webhook deliveries integrations has still to send now (the in-process receiver accepts them all). */
  async dueWebhooks(): Promise<number> {
    const { rows } = await this.service('integrations').ctx.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.status = 'enabled' WHERE d.status = 'pending' AND d.next_attempt_at <= now()",
    );
    return rows[0]!.n;
  }
}

// ---------------------------------------------------------------------------------------------
// Organisations, tokens and seeding through the real APIs.

export interface Parties {
  insurerId: string;
  garageId: string;
  expertOfficeId: string;
  insurer: string;
  garage: string;
  expert: string;
  ops: string;
}

export function principalOf(role: Principal['role'], org: string): Principal {
  return role === 'expert' ? { role, org, ...EXPERT_IDENTITY } : { role, org };
}

export async function parties(tag = ''): Promise<Parties> {
  const suffix = uniqueSuffix();
  const insurerId = `INS${tag}${suffix}`;
  const garageId = `G${tag}${suffix}`;
  const expertOfficeId = `EXP${tag}${suffix}`;
  return {
    insurerId,
    garageId,
    expertOfficeId,
    insurer: await token(principalOf('insurer', insurerId)),
    garage: await token(principalOf('garage', garageId)),
    expert: await token(principalOf('expert', expertOfficeId)),
    ops: await token(principalOf('ops', 'PLATFORM')),
  };
}

export function depositBody(p: Pick<Parties, 'garageId' | 'expertOfficeId'>, over: Record<string, unknown> = {}) {
  return {
    insurerMissionRef: `REF-${uniqueSuffix()}`,
    garageId: p.garageId,
    expertOfficeId: p.expertOfficeId,
    claim: { claimNumber: `CL-${uniqueSuffix()}`, policyNumber: 'POL-2026-001', lossDate: '2026-01-28', circumstances: 'Rear-ended at a red light' },
    vehicle: { vin: 'WVWZZZ1JZXW000001', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2019-05-01', valueCents: 15_000_00 },
    owner: { name: 'Marie Dubois', phone: '+32 470 00 00 00', email: 'marie.dubois@example.be', vatRegime: 'none' },
    directPayment: { planned: true, ceilingCents: 5_000_00, deductibleCents: 250_00 },
    deadline: new Date(Date.now() + 20 * 24 * 3600_000).toISOString().slice(0, 10),
    ...over,
  };
}

export const calculationBody = () => ({
  calculationNumber: `AX-${uniqueSuffix()}`,
  lines: [
    { kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 400_00 },
    { kind: 'labour', description: 'Fit bumper', hours: 1.5, hourlyRateCents: 65_00 },
  ],
});
export const smartFrameBody = () => ({ probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false });
export const paymentRequestBody = () => ({ invoiceNumber: `F-${uniqueSuffix()}`, invoiceDate: new Date().toISOString().slice(0, 10), amountCents: 600_00, replacementVehicle: false });

/** The roles whose organisations subscribe to webhooks and read the feed. */
export type SubscriberRole = 'insurer' | 'garage' | 'expert';
export const SUBSCRIBER_ROLES: SubscriberRole[] = ['insurer', 'garage', 'expert'];

/** A subscription to every public event, at a public https target (the in-process receiver answers it). */
export const subscriptionBody = (over: Record<string, unknown> = {}) => ({
  url: `https://hooks.example.com/smart-expertise/${uniqueSuffix()}`,
  events: ['*'],
  description: 'claims system',
  ...over,
});

/** A JPEG header followed by random bytes: unique per call. */
export function jpeg(size = 256): Buffer {
  const header = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  return Buffer.concat([Buffer.from(header), randomBytes(Math.max(0, size - header.length))]);
}

/** A multipart/form-data body for inject. */
export function multipart(files: { name?: string; bytes: Buffer; type?: string; field?: string }[], fields: Record<string, string> = {}) {
  const boundary = `----sec${uniqueSuffix()}`;
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`));
  for (const file of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'photos'}"; filename="${file.name ?? 'photo.jpg'}"\r\nContent-Type: ${file.type ?? 'image/jpeg'}\r\n\r\n`));
    parts.push(file.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { raw: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export class Seeder {
  constructor(readonly platform: Platform) {}

  async mission(p: Parties, over: Record<string, unknown> = {}): Promise<string> {
    const response = await this.platform.request('mission-intake', 'POST', '/v1/missions', { token: p.insurer, body: depositBody(p, over) });
    if (response.status !== 201) throw new Error(`deposit: ${response.status} ${response.body}`);
    return response.json.id;
  }

  /** A webhook subscription of one of the parties' organisations, and its signing secret (shown once). */
  async subscription(p: Parties, role: SubscriberRole, over: Record<string, unknown> = {}): Promise<{ id: string; url: string; secret: string }> {
    const response = await this.platform.request('integrations', 'POST', '/v1/subscriptions', { token: p[role], body: subscriptionBody(over) });
    if (response.status !== 201) throw new Error(`subscribe: ${response.status} ${response.body}`);
    return { id: response.json.id, url: response.json.url, secret: response.json.secret };
  }

  /** The first delivery of a subscription once the receiver has accepted it. */
  async delivered(subscriptionId: string): Promise<string> {
    return waitFor(
      async () => {
        const { rows } = await this.platform
          .service('integrations')
          .ctx.pool.query<{ id: string }>("SELECT id FROM deliveries WHERE subscription_id = $1 AND status = 'delivered' ORDER BY feed_seq LIMIT 1", [subscriptionId]);
        return rows[0]?.id;
      },
      { message: `a delivery of subscription ${subscriptionId}`, timeoutMs: 45_000 },
    );
  }

  /** A mission the quote service has learnt of (mission.received consumed). */
  async missionKnownToQuote(p: Parties, over: Record<string, unknown> = {}): Promise<string> {
    const id = await this.mission(p, over);
    await waitFor(
      async () => {
        const { rows } = await this.platform.service('quote').ctx.pool.query('SELECT 1 FROM missions WHERE id = $1', [id]);
        return rows.length > 0;
      },
      { message: `quote to learn mission ${id}`, timeoutMs: 45_000 },
    );
    return id;
  }

  async draftQuote(p: Parties, procedure: 'standard' | 'total_loss' = 'standard'): Promise<{ missionId: string; quoteId: string }> {
    const missionId = await this.missionKnownToQuote(p);
    const response = await this.platform.request('quote', 'POST', '/v1/quotes', { token: p.garage, body: { missionId, procedure } });
    if (response.status !== 201) throw new Error(`create quote: ${response.status} ${response.body}`);
    return { missionId, quoteId: response.json.id };
  }

  async photos(p: Parties, quoteId: string, count: number): Promise<string[]> {
    const upload = multipart(Array.from({ length: count }, (_, i) => ({ name: `p${i}.jpg`, bytes: jpeg() })));
    const response = await this.platform.request('quote', 'POST', `/v1/quotes/${quoteId}/photos`, { token: p.garage, ...upload });
    if (response.status !== 201) throw new Error(`photos: ${response.status} ${response.body}`);
    return response.json.photos.map((ph: { id: string }) => ph.id);
  }

  /** A standard quote with calculation, photos and Smart frame: ready to close. */
  async readyQuote(p: Parties): Promise<{ missionId: string; quoteId: string; photoIds: string[] }> {
    const draft = await this.draftQuote(p);
    const calc = await this.platform.request('quote', 'PUT', `/v1/quotes/${draft.quoteId}/calculation`, { token: p.garage, body: calculationBody() });
    if (calc.status !== 200) throw new Error(`calculation: ${calc.status} ${calc.body}`);
    const photoIds = await this.photos(p, draft.quoteId, 4);
    const frame = await this.platform.request('quote', 'PUT', `/v1/quotes/${draft.quoteId}/smart-frame`, { token: p.garage, body: smartFrameBody() });
    if (frame.status !== 200) throw new Error(`smart frame: ${frame.status} ${frame.body}`);
    return { ...draft, photoIds };
  }

  /** A closed quote and the review case expert-review opened for it. */
  async reviewCase(p: Parties): Promise<{ missionId: string; quoteId: string; photoIds: string[]; reviewId: string }> {
    const ready = await this.readyQuote(p);
    const closed = await this.platform.request('quote', 'POST', `/v1/quotes/${ready.quoteId}/close`, { token: p.garage });
    if (closed.status !== 200) throw new Error(`close: ${closed.status} ${closed.body}`);
    const reviewId = await waitFor(
      async () => {
        const list = await this.platform.request('expert-review', 'GET', '/v1/reviews?status=all', { token: p.expert });
        return list.json?.items?.find((i: { quoteId: string }) => i.quoteId === ready.quoteId)?.id as string | undefined;
      },
      { message: 'the review case', timeoutMs: 45_000 },
    );
    return { ...ready, reviewId };
  }

  /** A review case validated by the expert, the decision known to the quote service. */
  async validated(p: Parties) {
    const rc = await this.reviewCase(p);
    const decided = await this.platform.request('expert-review', 'POST', `/v1/reviews/${rc.reviewId}/decision`, { token: p.expert, body: { decision: 'validate' } });
    if (decided.status !== 200) throw new Error(`decision: ${decided.status} ${decided.body}`);
    await waitFor(
      async () => {
        const { rows } = await this.platform.service('quote').ctx.pool.query<{ ok: boolean }>(
          "SELECT status = 'closed' AND outcome = 'validated' AS ok FROM missions WHERE id = $1",
          [rc.missionId],
        );
        return rows[0]?.ok === true;
      },
      { message: 'quote to learn the validation', timeoutMs: 45_000 },
    );
    return rc;
  }

  /** A supplement drafted on a validated expertise; with `submit`, photographed, submitted and known to expert-review. */
  async supplement(p: Parties, submit: boolean) {
    const rc = await this.validated(p);
    const body = { reason: 'hidden damage behind the bumper', calculation: calculationBody() };
    const created = await this.platform.request('quote', 'POST', `/v1/quotes/${rc.quoteId}/supplements`, { token: p.garage, body });
    if (created.status !== 201) throw new Error(`supplement: ${created.status} ${created.body}`);
    const supplementId = created.json.id as string;
    if (submit) {
      const upload = multipart([{ bytes: jpeg() }]);
      const photo = await this.platform.request('quote', 'POST', `/v1/quotes/${rc.quoteId}/supplements/${supplementId}/photos`, { token: p.garage, ...upload });
      if (photo.status !== 201) throw new Error(`supplement photo: ${photo.status} ${photo.body}`);
      const sent = await this.platform.request('quote', 'POST', `/v1/quotes/${rc.quoteId}/supplements/${supplementId}/submit`, { token: p.garage });
      if (sent.status !== 200) throw new Error(`supplement submit: ${sent.status} ${sent.body}`);
      await waitFor(
        async () => {
          const { rows } = await this.platform.service('expert-review').ctx.pool.query('SELECT 1 FROM supplements WHERE id = $1', [supplementId]);
          return rows.length > 0;
        },
        { message: `expert-review to learn supplement ${supplementId}`, timeoutMs: 45_000 },
      );
    }
    return { ...rc, supplementId };
  }
}
