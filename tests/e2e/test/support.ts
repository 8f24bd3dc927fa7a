// The platform as users meet it: the five services as separate processes behind the gateway, on
// the real stack, driven only through HTTP. Each run has its own schemas and topics.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { expect } from 'vitest';
import { SERVICE_NAMES, type ServiceName } from '@smart-expertise/contracts';
import { stackEnv, token, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { serviceDatabaseUrl } from '../../../scripts/local-db-roles.ts';
import { startPlatform, type Platform } from '../../../scripts/platform.ts';

export { waitFor, uniqueSuffix };

/** The platform and each service's schema in it. */
export interface TestPlatform extends Platform {
  schemas: Record<ServiceName, string>;
}

export async function startTestPlatform(): Promise<TestPlatform> {
  const suffix = uniqueSuffix();
  const schemas = Object.fromEntries(SERVICE_NAMES.map((name) => [name, `e2e_${suffix}_${name.replaceAll('-', '_')}`])) as Record<ServiceName, string>;
  const schema = (name: ServiceName) => ({ DB_SCHEMA: schemas[name] });
  const platform = await startPlatform({
    env: {
      ...stackEnv(),
      KAFKA_TOPIC_PREFIX: `e2e${suffix}.`,
      KAFKA_TOPIC_PARTITIONS: '3',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
      OUTBOX_POLL_MS: '500',
      DB_POOL_MAX: '5',
    },
    serviceEnv: {
      'mission-intake': schema('mission-intake'),
      quote: schema('quote'),
      'expert-review': schema('expert-review'),
      // Sweeps every second with a short grace, so that expiry is seen within a test.
      'expiry-scheduler': { ...schema('expiry-scheduler'), EXPIRY_CRON: '*/1 * * * * *', EXPIRY_GRACE_SECONDS: '2' },
      // Webhooks retried within a test: the production schedule waits 5 s before the first retry.
      integrations: { ...schema('integrations'), WEBHOOK_RETRY_SCHEDULE: '200ms,400ms,800ms,1600ms,3200ms', WEBHOOK_POLL_MS: '100' },
    },
    logDir: join(tmpdir(), `smart-expertise-e2e-${suffix}`),
  });
  return Object.assign(platform, { schemas });
}

export interface Actors {
  insurer: string;
  garage: string;
  otherGarage: string;
  expert: string;
  ops: string;
}

export const EXPERT = { name: 'Jan Peeters', phone: '+32 470 12 34 56' };

export async function actors(ids: { insurer: string; garage: string; otherGarage: string; expertOffice: string }): Promise<Actors> {
  return {
    insurer: await token({ role: 'insurer', org: ids.insurer }),
    garage: await token({ role: 'garage', org: ids.garage }),
    otherGarage: await token({ role: 'garage', org: ids.otherGarage }),
    expert: await token({ role: 'expert', org: ids.expertOffice, ...EXPERT }),
    ops: await token({ role: 'ops', org: 'PLATFORM' }),
  };
}

export type Response = { status: number; json: any; text: string };

export function api(baseUrl: string) {
  async function call(method: string, path: string, auth: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${auth}`, ...headers } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await fetch(baseUrl + path, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  }
  return {
    get: (path: string, auth: string, headers?: Record<string, string>) => call('GET', path, auth, undefined, headers),
    post: (path: string, auth: string, body?: unknown) => call('POST', path, auth, body ?? {}),
    put: (path: string, auth: string, body: unknown) => call('PUT', path, auth, body),
    delete: (path: string, auth: string) => call('DELETE', path, auth),
    /** Retries until the answer has the expected status: the services learn of each other through Kafka. */
    async until(expected: number, request: () => Promise<Response>, what: string): Promise<Response> {
      let last: Response | undefined;
      return waitFor(
        async () => {
          last = await request();
          return last.status === expected ? last : undefined;
        },
        { message: `${what} to answer ${expected} (last: ${last?.status} ${last?.text.slice(0, 300)})`, intervalMs: 150, timeoutMs: 45_000 },
      );
    },
  };
}

/** dd/mm/yy of an instant in Brussels, as the seed writes the deadline. */
export function brusselsDate(iso: string): string {
  const parts = new Intl.DateTimeFormat('fr-BE', { timeZone: 'Europe/Brussels', day: '2-digit', month: '2-digit', year: '2-digit' }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('day')}/${get('month')}/${get('year')}`;
}

/** A date some days from now, as YYYY-MM-DD. */
export function dateInDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export function depositBody(ref: string, ids: { garage: string; expertOffice: string }, overrides: Record<string, unknown> = {}) {
  return {
    insurerMissionRef: ref,
    garageId: ids.garage,
    expertOfficeId: ids.expertOffice,
    claim: { claimNumber: `CLM-${ref}`, policyNumber: 'POL-778812', lossDate: '2026-11-02', circumstances: 'Rear-end collision at a red light in Namur.' },
    vehicle: { vin: 'WVWZZZ1KZAW123456', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2019-05-14', valueCents: 14_500_00 },
    owner: { name: 'Sophie Dubois', phone: '+32 475 11 22 33', email: 'sophie.dubois@example.be', vatRegime: 'none' },
    directPayment: { planned: true, ceilingCents: 5_000_00, deductibleCents: 250_00 },
    deadline: dateInDays(10),
    ...overrides,
  };
}

/** A JPEG header followed by random bytes: a distinct photo each call. */
export function photo(): Buffer {
  const header = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  return Buffer.concat([Buffer.from(header), randomBytes(512)]);
}

export function photoForm(count: number): FormData {
  const form = new FormData();
  for (let i = 0; i < count; i++) form.append('photos', new Blob([photo()], { type: 'image/jpeg' }), `damage-${i + 1}.jpg`);
  return form;
}

export const CALCULATION = {
  calculationNumber: 'AUDA-2026-001',
  lines: [
    { kind: 'part', description: 'Rear bumper', quantity: 1, unitPriceCents: 420_00 },
    { kind: 'labour', description: 'Bodywork', hours: 3.5, hourlyRateCents: 62_00 },
    { kind: 'paint', description: 'Paint materials', quantity: 1, unitPriceCents: 180_00 },
    { kind: 'sundry', description: 'Clips and small parts', quantity: 4, unitPriceCents: 2_50 },
  ],
};

export const NO_SMART_FLAGS = {
  probableTotalLoss: false,
  multipleDamageZones: false,
  expertAdviceNeeded: false,
  technicalInspectionNeeded: false,
  onSiteExpertNeeded: false,
};

export const SEED = {
  received: (date: string) => `SMART EXPERTISE : VEUILLEZ ETABLIR ET CLOTURER VOTRE DEVIS AU PLUS TARD LE ${date}`,
  underAnalysis: "SUIVI SMART EXPERTISE : VOTRE DEVIS EST EN COURS D'ANALYSE, VEUILLEZ ATTENDRE LA CONFIRMATION",
  pendingValidation: "SMART EXPERTISE : EN COURS DE VALIDATION PAR L'EXPERT",
  remote: `SMART EXPERTISE : DOIT ETRE TRAITEE A DISTANCE AVEC L'EXPERT (${EXPERT.name} - ${EXPERT.phone})`,
  onsite: `SMART EXPERTISE : DOIT ETRE TRAITEE SUR PLACE AVEC L'EXPERT (${EXPERT.name} - ${EXPERT.phone})`,
};

/**
 * The platform of one test file and its parties: an insurer, a garage (and another one) and an
 * expert office of their own. `start` in beforeAll, `stop` in afterAll; `http`, `who` and
 * `databases` are filled in by `start`, so tests read them once it has run.
 */
export function platformForTests() {
  const ids = { insurer: `INS${uniqueSuffix()}`, garage: `GAR${uniqueSuffix()}`, otherGarage: `GAR${uniqueSuffix()}`, expertOffice: `EXP${uniqueSuffix()}` };
  const http = {} as ReturnType<typeof api>;
  const who = {} as Actors;
  /** Each service's schema and the DATABASE_URL its process was given: its own role's. */
  const databases = {} as Record<ServiceName, { schema: string; url: string }>;
  let platform: Platform | undefined;

  async function start(): Promise<void> {
    const started = await startTestPlatform();
    platform = started;
    Object.assign(http, api(started.url));
    Object.assign(who, await actors(ids));
    for (const name of SERVICE_NAMES) databases[name] = { schema: started.schemas[name], url: serviceDatabaseUrl(stackEnv().DATABASE_URL, name) };
  }

  async function stop(): Promise<void> {
    await platform?.stop();
  }

  /** The insurer deposits a mission for the garage and the expert office. */
  async function deposit(overrides: Record<string, unknown> = {}) {
    const response = await http.post('/v1/missions', who.insurer, depositBody(`REF-${uniqueSuffix()}`, ids, overrides));
    expect(response.status, response.text).toBe(201);
    return response.json as { id: string; deadline: string; status: string; tracking: { code: string; message: string }[] };
  }

  /** The id of the review case opened for the mission, once the expert's queue shows it. */
  async function expertCase(missionId: string): Promise<string> {
    const found = await waitFor(
      async () => {
        const queue = await http.get('/v1/reviews?status=all&limit=100', who.expert);
        return (queue.json?.items as { id: string; missionId: string }[] | undefined)?.find((c) => c.missionId === missionId);
      },
      { message: `the expert's queue to show mission ${missionId}`, timeoutMs: 45_000, intervalMs: 150 },
    );
    return found.id;
  }

  return { http, who, databases, start, stop, deposit, expertCase };
}
