// Test helpers: envelopes of other services' events, images, multipart uploads, and a quote
// service on the real stack with what its tests do with it.
import { crc32 } from 'node:zlib';
import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { Topics, type Decision, type EventEnvelope, type EventPayload, type EventType, type MissionSnapshot, type MissionStatus, type Outcome, type Procedure } from '@smart-expertise/contracts';
import { SECTION_OF } from '@smart-expertise/contracts/procedure';
import { createEventProbe, httpClient, publishRaw, testEnvironment, token, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { buildQuote } from '../src/service.ts';

export function envelope<T extends EventType>(type: T, missionId: string, payload: EventPayload<T>): EventEnvelope {
  return {
    id: randomUUID(),
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    missionId,
    correlationId: `test-${uniqueSuffix()}`,
    causationId: null,
    payload,
  };
}

export interface MissionOptions {
  garageId: string;
  insurerId?: string;
  expertOfficeId?: string;
  deadline?: Date;
  minPhotos?: number;
  directPayment?: MissionSnapshot['directPayment'];
  owner?: Partial<MissionSnapshot['owner']>;
}

export function missionReceived(missionId: string, options: MissionOptions): EventEnvelope {
  const mission: MissionSnapshot = {
    id: missionId,
    insurerId: options.insurerId ?? 'INS1',
    insurerMissionRef: `REF-${missionId}`,
    garageId: options.garageId,
    expertOfficeId: options.expertOfficeId ?? 'EXP1',
    claim: { claimNumber: 'CL-2026-001', policyNumber: 'POL-77', lossDate: '2026-03-01', circumstances: 'Rear-ended at a red light' },
    vehicle: { vin: 'WVWZZZ1JZXW000001', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2019-05-02', valueCents: 1_500_000 },
    owner: { name: 'Anne Peeters', phone: '+32 470 12 34 56', email: 'anne@example.be', vatRegime: 'none', ...options.owner },
    directPayment: options.directPayment === undefined ? { planned: true, ceilingCents: 110_000, deductibleCents: 25_000 } : options.directPayment,
  };
  return envelope('mission.received', missionId, {
    mission,
    deadline: (options.deadline ?? new Date(Date.now() + 7 * 24 * 3600_000)).toISOString(),
    receivedAt: new Date().toISOString(),
    policy: {
      workingDays: 5,
      minPhotos: options.minPhotos ?? 2,
      reviewThresholds: { agreedLabourRateCents: 6_500, smartCeilingCents: 500_000, totalLossRatioPercent: 70 },
    },
  });
}

export interface Verdict {
  garageId: string;
  status: MissionStatus;
  outcome?: Outcome | null;
  previousStatus?: MissionStatus | null;
  /** The closed quote the mission rests on, when one won. */
  quoteId?: string | null;
  procedure?: Procedure | null;
  voidedQuoteIds?: string[];
  /** The deadline that holds (the answer's due date while information is requested). */
  deadline?: Date;
  insurerId?: string;
  expertOfficeId?: string;
  /** The transmission of the quote the verdict rests on. */
  transmission?: number;
  approvedTotalCents?: number | null;
}

/** mission-intake's verdict, as it publishes each change of it. */
export function statusChanged(missionId: string, verdict: Verdict): EventEnvelope {
  const decided = ['closed', 'pending_validation', 'remote_intervention', 'onsite_intervention', 'information_requested'].includes(verdict.status);
  const decision: Decision = verdict.status === 'closed' ? 'validate' : verdict.status === 'information_requested' ? 'request_information' : (verdict.status as Decision);
  return envelope('mission.status-changed', missionId, {
    insurerId: verdict.insurerId ?? 'INS1',
    garageId: verdict.garageId,
    expertOfficeId: verdict.expertOfficeId ?? 'EXP1',
    status: verdict.status,
    section: SECTION_OF[verdict.status],
    outcome: verdict.outcome ?? null,
    previousStatus: verdict.previousStatus ?? null,
    reason: `test.${verdict.status}`,
    changedAt: new Date().toISOString(),
    deadline: (verdict.deadline ?? new Date(Date.now() + 7 * 24 * 3600_000)).toISOString(),
    quoteId: verdict.quoteId ?? null,
    procedure: verdict.procedure ?? null,
    voidedQuoteIds: verdict.voidedQuoteIds ?? [],
    expert: decided ? { name: 'Jan Janssens', phone: '+32 2 555 01 01' } : null,
    lastDecision: decided ? { decision, note: null, at: new Date().toISOString() } : null,
    ...(verdict.transmission === undefined ? {} : { transmission: verdict.transmission }),
    ...(verdict.approvedTotalCents === undefined ? {} : { approvedTotalCents: verdict.approvedTotalCents }),
  });
}

/** expert-review's decision on a supplement, as it publishes it on its topic. */
export function supplementDecided(
  missionId: string,
  decided: { quoteId: string; supplementId: string; number: number; decision: 'approve' | 'reject'; note?: string | null; totalInclVatCents: number },
): EventEnvelope {
  return envelope('supplement.decided', missionId, {
    reviewId: `rv-${uniqueSuffix()}`,
    quoteId: decided.quoteId,
    supplementId: decided.supplementId,
    expertOfficeId: 'EXP1',
    number: decided.number,
    decision: decided.decision,
    note: decided.note ?? null,
    expertName: 'Jan Janssens',
    expertPhone: '+32 2 555 01 01',
    totalInclVatCents: decided.totalInclVatCents,
    decidedAt: new Date().toISOString(),
  });
}

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));
const uint32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** A JPEG header followed by random bytes: unique per call, so its SHA-256 is too. */
export function jpeg(size = 256): Buffer {
  const header = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...ascii('JFIF'), 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  return Buffer.concat([Buffer.from(header), randomBytes(Math.max(0, size - header.length))]);
}

/** A well-formed PNG: signature, IHDR, an IDAT of random bytes (unique per call), IEND, real CRCs. */
export function png(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(ascii(type)), data]);
    return Buffer.concat([Buffer.from(uint32(data.length)), typed, Buffer.from(uint32(crc32(typed)))]);
  };
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', Buffer.from([...uint32(1), ...uint32(1), 0x08, 0x06, 0x00, 0x00, 0x00])),
    chunk('IDAT', randomBytes(64)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function heic(): Buffer {
  const body = [...ascii('heic'), ...uint32(0), ...ascii('mif1'), ...ascii('heic')];
  return Buffer.concat([Buffer.from([...uint32(8 + body.length), ...ascii('ftyp'), ...body]), randomBytes(64)]);
}

/** Posts files as multipart/form-data; the declared type is the client's word, the bytes decide. */
export async function upload(baseUrl: string, quoteId: string, token: string, files: { name: string; bytes: Buffer; type?: string }[]) {
  return uploadTo(baseUrl, `/v1/quotes/${quoteId}/photos`, token, files);
}

/** The same multipart upload to any photo route (a supplement's: `/v1/quotes/{id}/supplements/{supplementId}/photos`). */
export async function uploadTo(baseUrl: string, path: string, token: string, files: { name: string; bytes: Buffer; type?: string }[]) {
  const form = new FormData();
  for (const file of files) form.append('photos', new Blob([file.bytes], { type: file.type ?? 'image/jpeg' }), file.name);
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as any) : undefined };
}

export const LINES = [{ kind: 'part', description: 'Rear bumper', quantity: 1, unitPriceCents: 100_000 }];
export const SMART_FRAME = { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false };

/**
 * A quote service on the real stack for one test file: its own schema and topics, a clock that
 * reads real time unless a test pins it (`at`), the garage its missions are for (`garageId`),
 * another garage, and the expert office and insurer of those missions (EXP1, INS1). `start` in
 * beforeAll gives the tokens; `stop` in afterAll; the helpers work once it has started.
 */
export function quoteUnderTest() {
  const env = testEnvironment('quote', { PHOTO_MAX_BYTES: '65536', PHOTO_MAX_COUNT: '5' });
  const prefix = env.KAFKA_TOPIC_PREFIX!;
  const garageId = `G-${uniqueSuffix()}`;
  const otherGarageId = `G-${uniqueSuffix()}`;
  let pinnedNow: Date | null = null;
  let service: Awaited<ReturnType<typeof buildQuote>>;
  let probe: Awaited<ReturnType<typeof createEventProbe>>;
  let baseUrl: string;
  let request: ReturnType<typeof httpClient>;
  let garage: string;

  async function start() {
    service = await buildQuote(env, { clock: () => pinnedNow ?? new Date() });
    baseUrl = await service.start();
    request = httpClient(baseUrl);
    probe = await createEventProbe([prefix + Topics.quote]);
    garage = await token({ role: 'garage', org: garageId });
    const otherGarage = await token({ role: 'garage', org: otherGarageId });
    const expert = await token({ role: 'expert', org: 'EXP1', name: 'Jan Janssens', phone: '+32 2 555 01 01' });
    const insurer = await token({ role: 'insurer', org: 'INS1' });
    return { service, baseUrl, request, probe, garage, otherGarage, expert, insurer };
  }

  async function stop() {
    pinnedNow = null;
    await probe?.stop();
    await service?.stop();
  }

  /** Runs `work` with the service's clock pinned at `instant`. */
  async function at<T>(instant: Date, work: () => Promise<T>): Promise<T> {
    pinnedNow = instant;
    try {
      return await work();
    } finally {
      pinnedNow = null;
    }
  }

  async function publish(event: EventEnvelope, topic: string = Topics.missionIntake): Promise<void> {
    await publishRaw(prefix + topic, [{ key: event.missionId, value: event }]);
  }

  /** Waits until the quote service has applied `event` (its inbox holds it). */
  async function applied(event: EventEnvelope): Promise<void> {
    await waitFor(async () => (await service.ctx.pool.query('SELECT 1 FROM inbox WHERE event_id = $1', [event.id])).rowCount === 1, {
      message: `${event.type} ${event.id} applied`,
    });
  }

  /** Publishes mission-intake's verdict on the mission and waits until the quote service applied it. */
  async function verdict(missionId: string, change: Omit<Verdict, 'garageId'>): Promise<EventEnvelope> {
    const event = statusChanged(missionId, { garageId, ...change });
    await publish(event);
    await applied(event);
    return event;
  }

  async function missionRow(missionId: string) {
    const { rows } = await service.ctx.pool.query('SELECT * FROM missions WHERE id = $1', [missionId]);
    return rows[0];
  }

  /** Deposits a mission of the garage through its event and waits until the quote service holds its copy. */
  async function receivedMission(options: Partial<MissionOptions> = {}): Promise<{ missionId: string; deadline: Date }> {
    const missionId = `m-${uniqueSuffix()}`;
    const deadline = options.deadline ?? new Date(Date.now() + 7 * 24 * 3600_000);
    await publish(missionReceived(missionId, { garageId, ...options, deadline }));
    await waitFor(async () => (await missionRow(missionId))?.received_at, { message: `mission.received of ${missionId}` });
    return { missionId, deadline };
  }

  async function createQuote(missionId: string, procedure: 'standard' | 'total_loss' = 'standard'): Promise<string> {
    const response = await request('POST', '/v1/quotes', { token: garage, body: { missionId, procedure } });
    expect(response.status, response.text).toBe(201);
    return response.json.id as string;
  }

  /** A standard quote ready to close: calculation of 1 210.00 € incl. VAT, two photos, the Smart frame. */
  async function completeQuote(missionId: string): Promise<string> {
    const quoteId = await createQuote(missionId);
    expect((await request('PUT', `/v1/quotes/${quoteId}/calculation`, { token: garage, body: { calculationNumber: 'AUD-1', lines: LINES } })).status).toBe(200);
    expect((await upload(baseUrl, quoteId, garage, [{ name: 'a.jpg', bytes: jpeg() }, { name: 'b.jpg', bytes: jpeg() }])).status).toBe(201);
    expect((await request('PUT', `/v1/quotes/${quoteId}/smart-frame`, { token: garage, body: SMART_FRAME })).status).toBe(200);
    return quoteId;
  }

  /** A standard quote of 1 210.00 € incl. VAT on a mission received with `options`, closed (transmission 1). */
  async function closedQuote(options: Partial<MissionOptions> = {}): Promise<{ missionId: string; quoteId: string }> {
    const { missionId } = await receivedMission(options);
    const quoteId = await completeQuote(missionId);
    const closed = await request('POST', `/v1/quotes/${quoteId}/close`, { token: garage });
    expect(closed.status, closed.text).toBe(200);
    return { missionId, quoteId };
  }

  /** The events the service wrote to its outbox for the mission (of one type, when given), oldest first. */
  async function outboxEvents(missionId: string, type?: string): Promise<EventEnvelope[]> {
    const { rows } = await service.ctx.pool.query('SELECT envelope FROM outbox WHERE mission_id = $1 AND ($2::text IS NULL OR event_type = $2) ORDER BY seq', [missionId, type ?? null]);
    return rows.map((r) => r.envelope as EventEnvelope);
  }

  return { garageId, start, stop, at, publish, applied, verdict, receivedMission, createQuote, completeQuote, closedQuote, outboxEvents };
}
