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
  | 'cancel_under_analysis'
  | 'information_loop'
  | 'information_unanswered'
  | 'extended';
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
  'information_loop',
  'information_unanswered',
  'extended',
];

export type Decision = 'validate' | 'pending_validation' | 'remote_intervention' | 'onsite_intervention' | 'request_information';

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
  /** The quote's calculation total incl. VAT, as the quote service answered it. */
  quoteTotalCents?: number;
  /** How many transmissions of the quote the garage was told went through (1 per close, +1 per answer to a request). */
  transmissions: number;
  /** request_information: the due date the expert set. */
  respondBy?: string;
  /** The insurer was told its extension went through, to this deadline. */
  extendedTo?: string;
  /** Supplements the garage was told were submitted, and the expert told were approved (with their totals incl. VAT). */
  supplementsSubmitted: number;
  supplementsApprovedCents: number[];
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

/** The one insurer of every journey: its claims system subscribes to the webhooks (webhooks.ts). */
export const FAULTS_INSURER = 'INSFAULTS';

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
async function eventually(
  request: () => Promise<Response>,
  waitStatus: number[],
  what: string,
  { timeoutMs = 240_000, alsoWhile }: { timeoutMs?: number; alsoWhile?: ((response: Response) => boolean) | undefined } = {},
): Promise<Response> {
  const until = Date.now() + timeoutMs;
  let lostAnswer = false;
  for (;;) {
    const response = await request();
    lostAnswer ||= response.lostAnswer;
    const waiting = waitStatus.includes(response.status) || alsoWhile?.(response) === true;
    if (!waiting || Date.now() > until || abortedLoad.value) return { ...response, lostAnswer };
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
    insurer: FAULTS_INSURER,
    garage: `GAR${id}`,
    expertOffice: `EXP${id}`,
    decisions: [],
    transmissions: 0,
    supplementsSubmitted: 0,
    supplementsApprovedCents: [],
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

  // A short deadline: left to expire, or extended by the insurer and met only thanks to the extension.
  const shortDeadline = j.kind === 'expire' || j.kind === 'extended';
  const deadline = shortDeadline ? new Date(Date.now() + options.expireInMs).toISOString() : undefined;
  const body = depositBody(j.ref, { garage: j.garage, expertOffice: j.expertOffice }, deadline ? { deadline } : {});
  const depositAnswer = note(await http.post('/v1/missions', insurer, body));
  if (shortDeadline && depositAnswer.status === 400 && depositAnswer.lostAnswer && deadline && Date.now() > Date.parse(deadline)) {
    // Retried through an outage past its own short deadline: refused as it must be. Idempotency is
    // checked before validation, so a 400 proves no earlier attempt was applied: nothing accepted.
    j.refusedAfterOutage = true;
    return void (j.done = true);
  }
  const deposited = expect2xx(depositAnswer, 'deposit');
  j.missionId = deposited.json.id;
  j.deadline = deposited.json.deadline;
  if (j.kind === 'expire') return void (j.done = true);
  if (j.kind === 'extended' && !(await extend(http, j, insurer, note))) return void (j.done = true);

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
  const created = note(
    await eventually(() => http.post('/v1/quotes', garage, { missionId: j.missionId, procedure }), [404], 'create quote', { alsoWhile: extensionUnknown(j) }),
  );
  if (created.status === 201) j.quoteId = created.json.id;
  else if (created.status === 409 && created.lostAnswer && created.json?.code === 'quote_already_exists' && created.json.quoteId) {
    j.quoteId = created.json.quoteId;
    j.provenBy409.push('create quote');
  } else expect2xx(created, 'create quote');
  const q = `/v1/quotes/${j.quoteId}`;
  if (procedure === 'standard') {
    j.quoteTotalCents = expect2xx(note(await http.put(`${q}/calculation`, garage, CALCULATION)), 'calculation').json.totalInclVatCents;
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
    if (j.quoteClosed) j.transmissions = 1;
    if (!j.abandoned && !j.quoteClosed) throw new Error(`race: neither the abandon (${abandon.status}) nor the close (${close.status}) was accepted`);
    return void (j.done = true);
  }

  if (j.kind === 'extended') {
    // Closed after the deposit's deadline, before the extended one: on time only by the extension.
    const passed = async () => statusWhen(await http.get(q, garage), () => Date.now() > Date.parse(j.deadline!));
    expect2xx(await eventually(passed, [425], 'the first deadline to pass'), 'the first deadline to pass');
  }
  await transmit(http, j, garage, q, note);
  if (j.kind === 'left_under_analysis' || j.kind === 'extended') return void (j.done = true);

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
  /** The expert's decision; false when it was refused and nothing was applied (a due date retried into the past). */
  const decide = async (decision: Decision, extra: Record<string, string> = {}): Promise<boolean> => {
    const r = note(await http.post(`/v1/reviews/${j.reviewId}/decision`, expert, { decision, ...extra }));
    if (r.status === 200) {
      j.decisions.push(decision);
      return true;
    }
    if (!r.lostAnswer || (r.status !== 409 && r.status !== 422)) throw new Error(`decision ${decision}: ${r.status} ${r.text.slice(0, 300)}`);
    // The first attempt may have applied: the case's own record of decisions says whether it did.
    const c = await http.get(`/v1/reviews/${j.reviewId}`, expert);
    const recorded = (c.json?.decisions as { decision: string }[] | undefined) ?? [];
    if (recorded.length === j.decisions.length + 1 && recorded.at(-1)?.decision === decision) {
      j.decisions.push(decision);
      j.provenBy409.push(`decision ${decision}`);
      return true;
    }
    if (r.status === 422 && r.json?.code === 'invalid_respond_by' && recorded.length === j.decisions.length) return false;
    throw new Error(`decision ${decision} retried: ${r.status} ${r.json?.code} but the case records ${recorded.map((d) => d.decision).join(', ')}`);
  };
  if (j.kind === 'information_unanswered') {
    // Nobody answers: the mission expires to a classic expertise at the due date, its quote voided.
    const respondBy = new Date(Date.now() + options.expireInMs).toISOString();
    if (await decide('request_information', { note: 'A corrected calculation, please', respondBy })) j.respondBy = respondBy;
    return void (j.done = true);
  }
  if (j.kind === 'information_loop') {
    await decide('request_information', { note: 'A photo of the rear rim, please' });
    // The same quote comes back to the garage, which completes it and transmits it again.
    const returned = async () => statusWhen(await http.get(q, garage), (quote) => quote.status === 'returned');
    expect2xx(await eventually(returned, [425], 'the quote returned to the garage'), 'the quote returned to the garage');
    expect2xx(note(await http.post(`${q}/photos`, garage, photosOnce(1))), 'photo of the answer');
    await transmit(http, j, garage, q, note);
    const reopened = async () => statusWhen(await http.get(`/v1/reviews/${j.reviewId}`, expert), (c) => c.transmission === 2 && c.status === 'open');
    expect2xx(await eventually(reopened, [425], 'the case to show the second transmission'), 'the case to show the second transmission');
  }
  const plan: Decision[] = j.kind === 'interventions' ? ['pending_validation', 'remote_intervention', 'validate'] : ['validate'];
  for (const decision of plan) await decide(decision);
  if (j.kind === 'information_loop') await supplement(http, j, { garage, expert }, q, note);
  if (j.kind === 'validate_and_pay' || j.kind === 'information_loop') {
    const invoice = { invoiceNumber: `INV-${j.n}`, invoiceDate: new Date().toISOString().slice(0, 10), amountCents: 1_000_00, replacementVehicle: false };
    // 409 mission_not_validated while the quote service has not yet heard of the validation.
    const paid = note(await eventually(() => http.post(`${q}/payment-request`, garage, invoice), [409], 'payment request'));
    expect2xx(paid, 'payment request');
    j.paymentRequested = true;
  }
  j.done = true;
}

/** 425 (not yet) until `ready` holds of the answer's body: for `eventually`. */
function statusWhen(response: Response, ready: (body: any) => boolean): Response {
  return response.status === 200 && ready(response.json) ? response : { ...response, status: 425 };
}

/** An extension the quote service has not heard of yet: its deadline_passed is only news in flight. */
function extensionUnknown(j: Journey): ((response: Response) => boolean) | undefined {
  return j.extendedTo === undefined ? undefined : (response) => response.status === 409 && response.json?.code === 'deadline_passed';
}

/** The garage closes the quote (the first time, or again after a request); a 409 counts only when the quote reads back transmitted. */
async function transmit(http: Client, j: Journey, garage: string, q: string, note: (r: Response) => Response): Promise<void> {
  const expected = j.transmissions + 1;
  const closed = note(await eventually(() => http.post(`${q}/close`, garage), [], 'close', { alsoWhile: extensionUnknown(j) }));
  if (closed.status === 200) j.quoteClosed = true;
  else if (closed.status === 409 && closed.lostAnswer && closed.json?.code === 'quote_already_closed') {
    const check = await http.get(q, garage);
    if (check.json?.status !== 'closed' || check.json?.transmissions !== expected) {
      throw new Error(`close retried: 409 but quote is ${check.json?.status}, transmission ${check.json?.transmissions}`);
    }
    j.quoteClosed = true;
    j.provenBy409.push(`close ${expected}`);
  } else expect2xx(closed, `close ${expected}`);
  j.transmissions = expected;
}

/** The insurer moves the short deadline two days on; false when it was refused because the deadline had passed (retried through an outage). */
async function extend(http: Client, j: Journey, insurer: string, note: (r: Response) => Response): Promise<boolean> {
  const to = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const r = note(await http.post(`/v1/missions/${j.missionId}/deadline`, insurer, { deadline: to }));
  if (r.status === 409 && r.json?.code === 'deadline_not_later' && r.lostAnswer) {
    const m = await http.get(`/v1/missions/${j.missionId}`, insurer);
    if (Date.parse(m.json?.deadline) !== Date.parse(to)) throw new Error(`extension retried: 409 but the deadline is ${m.json?.deadline}`);
    j.provenBy409.push('extension');
  } else if (r.status === 409 && r.json?.code === 'deadline_passed' && r.lostAnswer) {
    // Retried through an outage past the deposit's deadline: the first attempt may still have
    // applied; the mission says which (extended, or expiring on the first deadline).
    const m = await http.get(`/v1/missions/${j.missionId}`, insurer);
    if (Date.parse(m.json?.deadline) !== Date.parse(to)) return false;
    j.provenBy409.push('extension');
  } else expect2xx(r, 'extension');
  j.extendedTo = to;
  return true;
}

/** Hidden damage on the validated quote: a supplement drafted, photographed, submitted and approved. */
async function supplement(http: Client, j: Journey, who: { garage: string; expert: string }, q: string, note: (r: Response) => Response): Promise<void> {
  const body = {
    reason: 'Rear rim cracked, found once the bumper was removed',
    calculation: { calculationNumber: `AUDA-${j.n}-S1`, lines: [{ kind: 'part', description: 'Rear rim', quantity: 1, unitPriceCents: 100_00 }] },
  };
  // 409 mission_not_validated while the quote service has not yet heard of the validation. A lost
  // answer may leave a draft behind: a draft is never transmitted, so it changes nothing.
  const created = expect2xx(note(await eventually(() => http.post(`${q}/supplements`, who.garage, body), [409], 'supplement')), 'supplement');
  const s = `${q}/supplements/${created.json.id}`;
  expect2xx(note(await http.post(`${s}/photos`, who.garage, photosOnce(1))), 'supplement photo');
  const submitted = note(await http.post(`${s}/submit`, who.garage));
  if (submitted.status === 409 && submitted.lostAnswer && submitted.json?.code === 'supplement_already_submitted') {
    j.provenBy409.push('supplement submit');
  } else expect2xx(submitted, 'supplement submit');
  j.supplementsSubmitted += 1;
  // 404 while expert-review has not yet heard of the supplement.
  const decided = note(
    await eventually(() => http.post(`/v1/reviews/${j.reviewId}/supplements/${created.json.id}/decision`, who.expert, { decision: 'approve' }), [404], 'supplement decision'),
  );
  if (decided.status === 409 && decided.lostAnswer && decided.json?.code === 'supplement_already_decided') {
    const c = await http.get(`/v1/reviews/${j.reviewId}`, who.expert);
    const shown = (c.json?.supplements as { id: string; status: string }[] | undefined)?.find((x) => x.id === created.json.id);
    if (shown?.status !== 'approved') throw new Error(`supplement decision retried: 409 but it is ${shown?.status}`);
    j.provenBy409.push('supplement decision');
  } else expect2xx(decided, 'supplement decision');
  j.supplementsApprovedCents.push(created.json.calculation.totalInclVatCents);
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
