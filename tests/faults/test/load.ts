// The scripted load: complete Smart Expertise journeys driven over HTTP through the gateway, as
// the e2e tests do, by a few concurrent workers. Clients retry through faults (connection
// refused, 5xx, 429) with backoff, always with idempotent requests, and write down every 2xx they
// were given in the ledger the auditor checks the final state against.
import { token, uniqueSuffix } from '@smart-expertise/service-runtime/testing';
import { CALCULATION, depositBody, EXPERT, NO_SMART_FLAGS, photo } from '../../e2e/test/support.ts';

export type JourneyKind =
  | 'validate_and_pay'
  | 'interventions'
  | 'total_loss'
  | 'abandon'
  | 'expire'
  | 'left_under_analysis'
  | 'race_abandon_close'
  | 'cancel_new'
  | 'cancel_under_analysis';
export const KINDS: JourneyKind[] = [
  'validate_and_pay',
  'expire',
  'race_abandon_close',
  'interventions',
  'abandon',
  'cancel_under_analysis',
  'total_loss',
  'left_under_analysis',
  'cancel_new',
];

export type Decision = 'validate' | 'pending_validation' | 'remote_intervention' | 'onsite_intervention';

/** What the clients of one journey were told (2xx answers only). */
export interface Journey {
  n: number;
  kind: JourneyKind;
  ref: string;
  insurer: string;
  garage: string;
  expertOffice: string;
  missionId?: string;
  deadline?: string;
  quoteId?: string;
  quoteClosed?: boolean;
  reviewId?: string;
  decisions: Decision[];
  abandoned?: boolean;
  /** The insurer was told its cancel went through. */
  cancelled?: boolean;
  /** In a race journey: the abandon and the close were fired at the same moment; each 2xx is noted. */
  raced?: boolean;
  paymentRequested?: boolean;
  /** Requests whose first answer was lost (network error, 5xx) and that were sent again. */
  retriedAfterLostAnswer: number;
  /** A 409 taken as success because the final state proved the lost first attempt had applied. */
  provenBy409: string[];
  /** A short-deadline deposit refused (400) because the platform was unreachable until its deadline had passed. */
  refusedAfterOutage?: boolean;
  done?: boolean;
  error?: string;
}

export interface Response {
  status: number;
  json: any;
  text: string;
  /** True when an earlier attempt of this request got no usable answer (it may have been applied). */
  lostAnswer: boolean;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export interface LoadStats {
  requests: number;
  retries: number;
  okAnswers: number;
  /** Set when the fault sequence failed: clients stop retrying so that the test ends at once. */
  aborted?: boolean;
}

export function createClient(baseUrl: string, stats: LoadStats, { deadlineMs = 240_000 } = {}) {
  async function call(method: string, path: string, auth: string, body?: unknown | (() => FormData)): Promise<Response> {
    const until = Date.now() + deadlineMs;
    let lostAnswer = false;
    let delay = 200;
    for (;;) {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${auth}` }, signal: AbortSignal.timeout(30_000) };
      if (typeof body === 'function') init.body = (body as () => FormData)();
      else if (body !== undefined) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      stats.requests += 1;
      let status = 0;
      let text = '';
      try {
        const response = await fetch(baseUrl + path, init);
        status = response.status;
        text = await response.text();
      } catch {
        status = 0; // connection refused or reset, timeout: the answer is lost
      }
      if (status !== 0 && !RETRYABLE.has(status)) {
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        if (status >= 200 && status < 300) stats.okAnswers += 1;
        return { status, json, text, lostAnswer };
      }
      if (Date.now() > until || stats.aborted) return { status, json: undefined, text, lostAnswer: true };
      // A 429 or 503 was refused before any write; anything else may have been applied.
      if (status !== 429 && status !== 503) lostAnswer = true;
      stats.retries += 1;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(3_000, Math.round(delay * 1.6));
    }
  }
  return {
    get: (path: string, auth: string) => call('GET', path, auth),
    post: (path: string, auth: string, body?: unknown) => call('POST', path, auth, body ?? {}),
    put: (path: string, auth: string, body: unknown) => call('PUT', path, auth, body),
  };
}

export type Client = ReturnType<typeof createClient>;

function expect2xx(response: Response, what: string): Response {
  if (response.status < 200 || response.status >= 300) throw new Error(`${what}: ${response.status} ${response.text.slice(0, 300)}`);
  return response;
}

export const abortedLoad = { value: false };

/** Repeats `request` while it answers `waitStatus` (the other service has not heard of it yet). */
async function eventually(request: () => Promise<Response>, waitStatus: number[], what: string, timeoutMs = 240_000): Promise<Response> {
  const until = Date.now() + timeoutMs;
  let lostAnswer = false;
  for (;;) {
    const response = await request();
    lostAnswer ||= response.lostAnswer;
    if (!waitStatus.includes(response.status) || Date.now() > until || abortedLoad.value) return { ...response, lostAnswer };
    await new Promise((r) => setTimeout(r, 300));
  }
}

function photosOnce(count: number): () => FormData {
  // The same bytes on every retry: the same image twice on one quote is one photo.
  const images = Array.from({ length: count }, () => photo());
  return () => {
    const form = new FormData();
    images.forEach((bytes, i) => form.append('photos', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), `damage-${i + 1}.jpg`));
    return form;
  };
}

export function newJourney(n: number, kind: JourneyKind, run: string): Journey {
  const id = uniqueSuffix().slice(0, 8);
  return {
    n,
    kind,
    ref: `FLT-${run}-${n}-${id}`,
    insurer: 'INSFAULTS',
    garage: `GAR${id}`,
    expertOffice: `EXP${id}`,
    decisions: [],
    retriedAfterLostAnswer: 0,
    provenBy409: [],
  };
}

/** Drives one journey to its end; every 2xx is written into `j` as soon as it is received. */
export async function runJourney(http: Client, j: Journey, options: { expireInMs: number }): Promise<void> {
  const insurer = await token({ role: 'insurer', org: j.insurer });
  const garage = await token({ role: 'garage', org: j.garage });
  const expert = await token({ role: 'expert', org: j.expertOffice, ...EXPERT });
  const note = (r: Response) => {
    if (r.lostAnswer) j.retriedAfterLostAnswer += 1;
    return r;
  };

  const deadline = j.kind === 'expire' ? new Date(Date.now() + options.expireInMs).toISOString() : undefined;
  const body = depositBody(j.ref, { garage: j.garage, expertOffice: j.expertOffice }, deadline ? { deadline } : {});
  const depositAnswer = note(await http.post('/v1/missions', insurer, body));
  if (j.kind === 'expire' && depositAnswer.status === 400 && depositAnswer.lostAnswer && deadline && Date.now() > Date.parse(deadline)) {
    // Retried through an outage past its own short deadline: refused as it must be. Idempotency is
    // checked before validation, so a 400 proves no earlier attempt was applied: nothing accepted.
    j.refusedAfterOutage = true;
    return void (j.done = true);
  }
  const deposited = expect2xx(depositAnswer, 'deposit');
  j.missionId = deposited.json.id;
  j.deadline = deposited.json.deadline;
  if (j.kind === 'expire') return void (j.done = true);

  if (j.kind === 'cancel_new') {
    await cancel(http, j, insurer, note);
    return void (j.done = true);
  }

  if (j.kind === 'abandon') {
    const r = note(await http.post(`/v1/missions/${j.missionId}/abandon`, garage, { reason: 'The owner took the vehicle elsewhere' }));
    if (r.status === 200) j.abandoned = true;
    else if (r.status === 409 && r.lostAnswer && r.json?.code === 'mission_not_new') {
      const m = await http.get(`/v1/missions/${j.missionId}`, garage);
      if (m.json?.status !== 'abandoned') throw new Error(`abandon retried: 409 but mission is ${m.json?.status}`);
      j.abandoned = true;
      j.provenBy409.push('abandon');
    } else expect2xx(r, 'abandon');
    return void (j.done = true);
  }

  const procedure = j.kind === 'total_loss' ? 'total_loss' : 'standard';
  // 404 while the quote service has not yet learnt of the mission (mission.received in flight).
  const created = note(await eventually(() => http.post('/v1/quotes', garage, { missionId: j.missionId, procedure }), [404], 'create quote'));
  if (created.status === 201) j.quoteId = created.json.id;
  else if (created.status === 409 && created.lostAnswer && created.json?.code === 'quote_already_exists' && created.json.quoteId) {
    j.quoteId = created.json.quoteId;
    j.provenBy409.push('create quote');
  } else expect2xx(created, 'create quote');
  const q = `/v1/quotes/${j.quoteId}`;
  if (procedure === 'standard') {
    expect2xx(note(await http.put(`${q}/calculation`, garage, CALCULATION)), 'calculation');
    expect2xx(note(await http.put(`${q}/smart-frame`, garage, NO_SMART_FLAGS)), 'smart frame');
    expect2xx(note(await http.post(`${q}/photos`, garage, photosOnce(4))), 'photos');
  } else {
    expect2xx(note(await http.put(`${q}/vehicle-status`, garage, { vehicleStatus: 'not_drivable', note: 'Chassis bent' })), 'vehicle status');
    expect2xx(note(await http.post(`${q}/photos`, garage, photosOnce(2))), 'photos');
  }
  if (j.kind === 'race_abandon_close') {
    // The garage's two desks act at the same moment: one abandons, one closes. Both may be told
    // 200; the rules decide which one counts, everywhere, and the loser is voided with a tracking entry.
    j.raced = true;
    const [abandon, close] = await Promise.all([
      http.post(`/v1/missions/${j.missionId}/abandon`, garage, { reason: 'Two desks, one decision' }),
      http.post(`${q}/close`, garage),
    ]);
    if (abandon.status === 200) j.abandoned = true;
    else if (abandon.status === 409 && abandon.lostAnswer && abandon.json?.code === 'mission_not_new') {
      // The first attempt may have applied: the mission is abandoned, or its abandon was voided.
      const m = await http.get(`/v1/missions/${j.missionId}`, garage);
      const codes = ((m.json?.tracking ?? []) as { code: string }[]).map((t) => t.code);
      if (m.json?.status === 'abandoned' || codes.includes('abandon.voided')) {
        j.abandoned = true;
        j.provenBy409.push('abandon');
      }
    } else if (abandon.status !== 409) expect2xx(abandon, 'raced abandon');
    if (close.status === 200) j.quoteClosed = true;
    else if (close.status === 409 && close.lostAnswer && close.json?.code === 'quote_already_closed') {
      j.quoteClosed = true;
      j.provenBy409.push('close');
    } else if (close.status !== 409) expect2xx(close, 'raced close');
    if (!j.abandoned && !j.quoteClosed) throw new Error(`race: neither the abandon (${abandon.status}) nor the close (${close.status}) was accepted`);
    return void (j.done = true);
  }

  const closed = note(await http.post(`${q}/close`, garage));
  if (closed.status === 200) j.quoteClosed = true;
  else if (closed.status === 409 && closed.lostAnswer && closed.json?.code === 'quote_already_closed') {
    const check = await http.get(q, garage);
    if (check.json?.status !== 'closed') throw new Error(`close retried: 409 but quote is ${check.json?.status}`);
    j.quoteClosed = true;
    j.provenBy409.push('close');
  } else expect2xx(closed, 'close');
  if (j.kind === 'left_under_analysis') return void (j.done = true);

  const queue = await eventually(
    async () => {
      const r = await http.get('/v1/reviews?status=all&limit=10', expert);
      const found = (r.json?.items as { id: string; missionId: string }[] | undefined)?.find((c) => c.missionId === j.missionId);
      return found ? { ...r, json: found } : { ...r, status: 404 };
    },
    [404],
    'review case',
  );
  expect2xx(queue, 'review case');
  j.reviewId = queue.json.id;
  if (j.kind === 'cancel_under_analysis') {
    // The claim is settled elsewhere while the expert has the case: the insurer withdraws the mission.
    await cancel(http, j, insurer, note);
    return void (j.done = true);
  }
  const plan: Decision[] = j.kind === 'interventions' ? ['pending_validation', 'remote_intervention', 'validate'] : ['validate'];
  for (const decision of plan) {
    const r = note(await http.post(`/v1/reviews/${j.reviewId}/decision`, expert, { decision }));
    if (r.status === 200) j.decisions.push(decision);
    else if (r.status === 409 && r.lostAnswer && ['same_decision', 'case_final'].includes(r.json?.code)) {
      const c = await http.get(`/v1/reviews/${j.reviewId}`, expert);
      const expected = decision === 'validate' ? 'validated' : decision;
      if (c.json?.status !== expected) throw new Error(`decision ${decision} retried: 409 but case is ${c.json?.status}`);
      j.decisions.push(decision);
      j.provenBy409.push(`decision ${decision}`);
    } else expect2xx(r, `decision ${decision}`);
  }
  if (j.kind === 'validate_and_pay') {
    const invoice = { invoiceNumber: `INV-${j.n}`, invoiceDate: new Date().toISOString().slice(0, 10), amountCents: 1_000_00, replacementVehicle: false };
    // 409 mission_not_validated while the quote service has not yet heard of the validation.
    const paid = note(await eventually(() => http.post(`${q}/payment-request`, garage, invoice), [409], 'payment request'));
    expect2xx(paid, 'payment request');
    j.paymentRequested = true;
  }
  j.done = true;
}

/** The insurer's cancel; a 409 after a lost answer counts only when the mission reads back cancelled. */
async function cancel(http: Client, j: Journey, insurer: string, note: (r: Response) => Response): Promise<void> {
  const r = note(await http.post(`/v1/missions/${j.missionId}/cancel`, insurer, { reason: 'Claim settled with the other party' }));
  if (r.status === 200) j.cancelled = true;
  else if (r.status === 409 && r.lostAnswer && r.json?.code === 'mission_final') {
    const m = await http.get(`/v1/missions/${j.missionId}`, insurer);
    if (m.json?.status !== 'cancelled') throw new Error(`cancel retried: 409 but mission is ${m.json?.status}`);
    j.cancelled = true;
    j.provenBy409.push('cancel');
  } else expect2xx(r, 'cancel');
}

/** Workers run journeys, round robin over the kinds, until `stopped()` says so. */
export async function runLoad(http: Client, journeys: Journey[], options: { workers: number; run: string; stopped: () => boolean; expireInMs: number }): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: options.workers }, async () => {
      while (!options.stopped()) {
        const n = next++;
        const j = newJourney(n, KINDS[n % KINDS.length]!, options.run);
        journeys.push(j);
        try {
          await runJourney(http, j, options);
        } catch (error) {
          j.error = (error as Error).message;
        }
      }
    }),
  );
}
