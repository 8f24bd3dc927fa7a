import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { signToken } from '@smart-expertise/service-runtime';
import { Receiver } from '@smart-expertise/integrations/testing';
import { localJwtSecret } from './local-env.ts';
import { startPlatform } from './platform.ts';

const root = join(import.meta.dirname, '..');
const say = (who: string, what: string) => console.log(`${who.padEnd(9)} ${what}`);
const show = (label: string, value: string) => console.log(`${''.padEnd(9)}   ${label}: ${value}`);

async function runningPlatform(): Promise<{ url: string; stop: () => Promise<void> }> {
  const file = join(root, '.stack', 'platform.json');
  if (existsSync(file)) {
    const { url } = JSON.parse(readFileSync(file, 'utf8')) as { url: string };
    try {
      if ((await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3000) })).ok) return { url, stop: async () => {} };
    } catch {
      // stale file: start our own
    }
  }
  console.log('(no running platform found: starting one; `npm start` keeps one running)');
  const { ensureStack, kafkaEnv } = await import('../tools/stack/index.mjs');
  const stack = await ensureStack({ root, log: () => {} });
  const platform = await startPlatform({
    env: { DATABASE_URL: stack.databaseUrl, ...kafkaEnv(stack), JWT_SECRET: localJwtSecret(), KAFKA_TOPIC_PARTITIONS: '6' },
    logDir: join(root, '.stack', 'logs'),
  });
  return {
    url: platform.url,
    async stop() {
      await platform.stop();
      await stack.stop();
    },
  };
}

const { url, stop } = await runningPlatform();
const secret = localJwtSecret();
const run = randomBytes(3).toString('hex').toUpperCase();
const insurer = await signToken(secret, { role: 'insurer', org: 'AXA-BE' });
const garage = await signToken(secret, { role: 'garage', org: `CARROSSERIE-${run}` });
const expert = await signToken(secret, { role: 'expert', org: 'EXPERTS-NAMUR', name: 'Jan Peeters', phone: '+32 470 12 34 56' });

async function call(method: string, path: string, auth: string, body?: unknown): Promise<any> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${auth}` } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const response = await fetch(url + path, init);
  const json = await response.json().catch(() => undefined);
  return { status: response.status, json };
}
async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
async function board(missionId: string, status: string) {
  return until(async () => {
    const m = await call('GET', `/v1/missions/${missionId}`, garage);
    return m.json?.status === status ? m.json : undefined;
  }, `mission ${status}`);
}
function photos(n: number) {
  const form = new FormData();
  for (let i = 0; i < n; i++) {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]), randomBytes(256)]);
    form.append('photos', new Blob([jpeg], { type: 'image/jpeg' }), `photo-${i + 1}.jpg`);
  }
  return form;
}
function depositBody(ref: string) {
  return {
    insurerMissionRef: ref,
    garageId: `CARROSSERIE-${run}`,
    expertOfficeId: 'EXPERTS-NAMUR',
    claim: { claimNumber: `SIN-${ref}`, policyNumber: 'POL-5521', lossDate: '2026-11-20', circumstances: 'Collision arrière à un feu rouge, Namur.' },
    vehicle: { vin: 'VF1RFB00X56789012', plate: '1-XYZ-987', make: 'Renault', model: 'Clio', firstRegistrationDate: '2021-03-02', valueCents: 12_000_00 },
    owner: { name: 'Luc Martin', phone: '+32 478 55 66 77', email: 'luc.martin@example.be', vatRegime: 'none' },
    directPayment: { planned: true, ceilingCents: 4_000_00, deductibleCents: 250_00 },
  };
}
async function quoteFor(missionId: string) {
  const created = await until(async () => {
    const r = await call('POST', '/v1/quotes', garage, { missionId });
    return r.status === 201 ? r.json : undefined;
  }, 'the quote service to know the mission');
  await call('PUT', `/v1/quotes/${created.id}/calculation`, garage, {
    calculationNumber: `AUDATEX-${run}`,
    lines: [
      { kind: 'part', description: 'Pare-chocs arrière', quantity: 1, unitPriceCents: 385_00 },
      { kind: 'labour', description: 'Carrosserie', hours: 3, hourlyRateCents: 60_00 },
      { kind: 'paint', description: 'Peinture', quantity: 1, unitPriceCents: 160_00 },
    ],
  });
  await call('POST', `/v1/quotes/${created.id}/photos`, garage, photos(4));
  return created;
}
const euros = (cents: number) => `${(cents / 100).toFixed(2)} €`;

try {
  console.log(`Smart Expertise demo against ${url}\n`);
  console.log('— Main story —');
  // The garage's management software: a webhook endpoint on this machine that checks every signature.
  const software = new Receiver();
  await software.start();
  const subscription = (await call('POST', '/v1/subscriptions', garage, { url: software.url, events: ['review.decided', 'mission.status_changed'], description: 'garage management software' })).json;
  software.secrets.push(subscription.secret);
  say('garage', `its management software subscribes to decisions and status changes by webhook (${subscription.id}, ${software.url})`);
  const m1 = (await call('POST', '/v1/missions', insurer, depositBody(`DEMO-${run}-1`))).json;
  say('insurer', `deposits mission ${m1.id} in the mailbox of CARROSSERIE-${run}`);
  show('board', `${m1.section} (Nouvelles expertises)`);
  show('tracking', m1.tracking.at(-1).message);
  const q1 = await quoteFor(m1.id);
  say('garage', `creates quote ${q1.id} based on the mission: claim ${q1.administrative.claim.claimNumber}, ${q1.administrative.vehicle.make} ${q1.administrative.vehicle.model} copied`);
  say('garage', 'adds the Audatex calculation and 4 photos, answers the five Smart questions (all no)');
  await call('PUT', `/v1/quotes/${q1.id}/smart-frame`, garage, { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false });
  const closed = (await call('POST', `/v1/quotes/${q1.id}/close`, garage)).json;
  say('garage', `closes and transmits the quote: ${euros(closed.calculation.totals?.totalInclVatCents ?? closed.calculation.totalInclVatCents)} incl. VAT`);
  let state = await board(m1.id, 'under_analysis');
  show('board', `${state.section} (En cours d'analyse)`);
  show('tracking', state.tracking.at(-1).message);
  const case1 = await until(async () => (await call('GET', '/v1/reviews', expert)).json?.items?.find((c: any) => c.missionId === m1.id), 'the case in the expert queue');
  say('expert', `Jan Peeters opens case ${case1.id}: suggested ${case1.suggestedDecision}, findings: ${case1.findingsSummary}`);
  await call('POST', `/v1/reviews/${case1.id}/decision`, expert, { decision: 'validate' });
  say('expert', 'validates');
  state = await board(m1.id, 'closed');
  show('board', `${state.section} (Smart Expertises), outcome ${state.outcome}`);
  show('tracking', state.tracking.at(-1).message);
  const pushed = await until(async () => {
    const ofMission = software.accepted.filter((r) => r.event.missionId === m1.id);
    return ofMission.some((r) => r.event.type === 'mission.status_changed' && r.event.data.status === 'closed') ? ofMission : undefined;
  }, 'the webhook of the validation');
  for (const r of pushed) {
    const what = r.event.type === 'review.decided' ? `decision ${r.event.data.decision} by ${r.event.data.expert.name}` : `status ${r.event.data.status}: ${r.event.data.tracking.message.fr}`;
    say('software', `receives ${r.event.type} by webhook, signature verified (webhook-id ${r.webhookId}): ${what}`);
  }
  const replay = (await call('GET', '/v1/feed?limit=500', garage)).json.items.filter((e: any) => e.missionId === m1.id);
  say('software', `after an outage it would catch up from GET /v1/feed, which holds every event of the mission: ${replay.map((e: any) => e.type).join(', ')}`);
  await call('DELETE', `/v1/subscriptions/${subscription.id}`, garage);
  await software.stop();
  const payment = await until(async () => {
    const r = await call('POST', `/v1/quotes/${q1.id}/payment-request`, garage, { invoiceNumber: `F-${run}`, invoiceDate: new Date().toISOString().slice(0, 10), amountCents: 1_000_00, replacementVehicle: false });
    return r.status === 201 ? r.json : undefined;
  }, 'the payment request');
  say('garage', `repairs done: requests direct payment of ${euros(payment.amountCents)} (invoice F-${run})`);
  show('split', `insurer pays ${euros(payment.insurerShareCents)}, owner pays ${euros(payment.ownerShareCents)} (deductible ${euros(payment.deductibleAppliedCents)})`);
  state = await until(async () => {
    const m = (await call('GET', `/v1/missions/${m1.id}`, insurer)).json;
    return m.paymentRequested ? m : undefined;
  }, 'the insurer to see the request');
  say('insurer', `sees the payment request on mission ${m1.id}`);
  show('tracking', state.tracking.at(-1).message);

  console.log('\n— Alternative: on-site intervention, then validation —');
  const m2 = (await call('POST', '/v1/missions', insurer, depositBody(`DEMO-${run}-2`))).json;
  say('insurer', `deposits mission ${m2.id}`);
  const q2 = await quoteFor(m2.id);
  await call('PUT', `/v1/quotes/${q2.id}/smart-frame`, garage, { probableTotalLoss: false, multipleDamageZones: true, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: true });
  say('garage', 'answers the Smart frame: several damage zones, an expert is needed on site');
  await call('POST', `/v1/quotes/${q2.id}/close`, garage);
  say('garage', 'closes and transmits the quote');
  await board(m2.id, 'under_analysis');
  const case2 = await until(async () => (await call('GET', '/v1/reviews', expert)).json?.items?.find((c: any) => c.missionId === m2.id), 'the second case');
  say('expert', `opens case ${case2.id}: suggested ${case2.suggestedDecision}`);
  await call('POST', `/v1/reviews/${case2.id}/decision`, expert, { decision: 'onsite_intervention' });
  say('expert', 'calls for an on-site intervention');
  state = await board(m2.id, 'onsite_intervention');
  show('board', `${state.section} (Intervention expert sur site)`);
  show('tracking', state.tracking.at(-1).message);
  await call('POST', `/v1/reviews/${case2.id}/decision`, expert, { decision: 'validate' });
  say('expert', 'visits the garage, then validates');
  state = await board(m2.id, 'closed');
  show('board', `${state.section} (Smart Expertises)`);
  show('tracking', state.tracking.at(-1).message);

  console.log('\n— Alternative: probable total loss, confirmed by the expert —');
  const m3 = (await call('POST', '/v1/missions', insurer, depositBody(`DEMO-${run}-3`))).json;
  say('insurer', `deposits mission ${m3.id}`);
  const q3 = await quoteFor(m3.id);
  say('garage', `started quote ${q3.id} in the standard procedure, then sees the car is a probable total loss`);
  const discarded = await call('POST', `/v1/quotes/${q3.id}/discard`, garage, { reason: 'Chassis bent: probable total loss' });
  say('garage', `discards the draft (${discarded.status}, status ${discarded.json?.status}) and opens the total-loss procedure`);
  const tl = await until(async () => {
    const r = await call('POST', '/v1/quotes', garage, { missionId: m3.id, procedure: 'total_loss' });
    return r.status === 201 ? r.json : undefined;
  }, 'the total-loss quote');
  await call('PUT', `/v1/quotes/${tl.id}/vehicle-status`, garage, { vehicleStatus: 'not_drivable', note: 'Châssis tordu' });
  await call('POST', `/v1/quotes/${tl.id}/photos`, garage, photos(2));
  await call('POST', `/v1/quotes/${tl.id}/close`, garage);
  say('garage', 'gives the vehicle status and 2 photos, and confirms: the expert receives the file at once');
  state = await board(m3.id, 'under_analysis');
  show('tracking', state.tracking.at(-1).message);
  const case3 = await until(async () => (await call('GET', '/v1/reviews', expert)).json?.items?.find((c: any) => c.missionId === m3.id), 'the total-loss case');
  await call('POST', `/v1/reviews/${case3.id}/decision`, expert, { decision: 'validate' });
  say('expert', 'confirms the total loss');
  state = await board(m3.id, 'closed');
  show('board', `${state.section}, outcome ${state.outcome}`);
  show('tracking', state.tracking.at(-1).message);
  await until(async () => ((await call('GET', `/v1/quotes/${tl.id}`, garage)).json?.missionStatus === 'closed' ? true : undefined), 'the quote service to learn of it');
  const refusedPayment = await call('POST', `/v1/quotes/${tl.id}/payment-request`, garage, { invoiceNumber: `F-${run}-TL`, invoiceDate: new Date().toISOString().slice(0, 10), amountCents: 900_00, replacementVehicle: false });
  say('garage', `tries to request a repair payment: ${refusedPayment.status} ${refusedPayment.json?.code} (a total loss is never paid as a repair)`);

  console.log('\n— Alternative: the insurer cancels a mission under analysis —');
  const m4 = (await call('POST', '/v1/missions', insurer, depositBody(`DEMO-${run}-4`))).json;
  say('insurer', `deposits mission ${m4.id}`);
  const q4 = await quoteFor(m4.id);
  await call('PUT', `/v1/quotes/${q4.id}/smart-frame`, garage, { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false });
  await call('POST', `/v1/quotes/${q4.id}/close`, garage);
  say('garage', 'closes and transmits the quote');
  const case4 = await until(async () => (await call('GET', '/v1/reviews', expert)).json?.items?.find((c: any) => c.missionId === m4.id), 'the case');
  say('expert', `sees case ${case4.id} in the queue`);
  const cancelled = (await call('POST', `/v1/missions/${m4.id}/cancel`, insurer, { reason: 'Sinistre réglé avec la partie adverse' })).json;
  say('insurer', 'cancels the mission: the claim was settled with the other party');
  show('board', `${cancelled.section}, outcome ${cancelled.outcome}`);
  show('tracking', cancelled.tracking.at(-1).message);
  const withdrawn = await until(async () => {
    const c = await call('GET', `/v1/reviews/${case4.id}`, expert);
    return c.json?.status === 'withdrawn' ? c.json : undefined;
  }, 'the case to be withdrawn');
  say('expert', `case ${withdrawn.id} is withdrawn from the queue (${withdrawn.withdrawal?.missionStatus ?? 'cancelled'})`);
  const late = await call('POST', `/v1/reviews/${case4.id}/decision`, expert, { decision: 'validate' });
  say('expert', `a validation now answers ${late.status} ${late.json?.code}`);
  const voided = await until(async () => {
    const q = await call('GET', `/v1/quotes/${q4.id}`, garage);
    return q.json?.status === 'voided' ? q.json : undefined;
  }, 'the quote to be voided');
  say('garage', `sees quote ${voided.id} ${voided.status}`);

  console.log('\n— The second loop: the expert asks for more, hidden damage, the insurer extends a deadline —');
  const m5 = (await call('POST', '/v1/missions', insurer, depositBody(`DEMO-${run}-5`))).json;
  say('insurer', `deposits mission ${m5.id}, due ${m5.deadline}`);
  const later = new Date(Date.parse(m5.deadline) + 3 * 86_400_000).toISOString().slice(0, 10);
  const extended = (await call('POST', `/v1/missions/${m5.id}/deadline`, insurer, { deadline: later })).json;
  say('insurer', `gives the garage three more days (${later})`);
  show('tracking', extended.tracking.at(-1).message);
  const q5 = await quoteFor(m5.id);
  await call('PUT', `/v1/quotes/${q5.id}/smart-frame`, garage, { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false });
  await call('POST', `/v1/quotes/${q5.id}/close`, garage);
  say('garage', 'closes and transmits the quote');
  const case5 = await until(async () => (await call('GET', '/v1/reviews', expert)).json?.items?.find((c: any) => c.missionId === m5.id), 'the case');
  await call('POST', `/v1/reviews/${case5.id}/decision`, expert, { decision: 'request_information', note: 'Photo de la jante arrière gauche, SVP' });
  say('expert', 'asks for one more photo before deciding');
  state = await board(m5.id, 'information_requested');
  show('board', `${state.section}, answer due ${state.deadline}`);
  show('tracking', state.tracking.at(-1).message);
  await until(async () => ((await call('GET', `/v1/quotes/${q5.id}`, garage)).json?.status === 'returned' ? true : undefined), 'the quote to be returned');
  await call('POST', `/v1/quotes/${q5.id}/photos`, garage, photos(1));
  await call('POST', `/v1/quotes/${q5.id}/close`, garage);
  say('garage', 'adds the photo to the same quote and transmits it again');
  state = await board(m5.id, 'under_analysis');
  show('tracking', state.tracking.at(-1).message);
  const reopened = await until(async () => {
    const c = await call('GET', `/v1/reviews/${case5.id}`, expert);
    return c.json?.transmission === 2 ? c.json : undefined;
  }, 'the second transmission in the case');
  say('expert', `sees transmission ${reopened.transmission}: ${reopened.changesSincePrevious?.photosAdded?.length ?? 0} photo added since the previous one; validates`);
  await call('POST', `/v1/reviews/${case5.id}/decision`, expert, { decision: 'validate' });
  state = await board(m5.id, 'closed');
  show('mission', `approved total ${euros(state.approvedTotalCents)} incl. VAT`);
  const supplement = await until(async () => {
    const r = await call('POST', `/v1/quotes/${q5.id}/supplements`, garage, {
      reason: 'Jante arrière fissurée, découverte au démontage du pare-chocs',
      calculation: { calculationNumber: `AUDATEX-${run}-S1`, lines: [{ kind: 'part', description: 'Jante arrière', quantity: 1, unitPriceCents: 150_00 }] },
    });
    return r.status === 201 ? r.json : undefined;
  }, 'the supplement');
  await call('POST', `/v1/quotes/${q5.id}/supplements/${supplement.id}/photos`, garage, photos(1));
  await call('POST', `/v1/quotes/${q5.id}/supplements/${supplement.id}/submit`, garage);
  say('garage', `repairs under way: submits supplement ${supplement.number} for hidden damage, ${euros(supplement.calculation.totalInclVatCents)} incl. VAT`);
  await until(async () => {
    const r = await call('POST', `/v1/reviews/${case5.id}/supplements/${supplement.id}/decision`, expert, { decision: 'approve' });
    return r.status === 200 ? r.json : undefined;
  }, 'the supplement in the case');
  say('expert', 'approves the supplement');
  state = await until(async () => {
    const m = await call('GET', `/v1/missions/${m5.id}`, garage);
    return m.json?.supplements?.[0]?.status === 'approved' ? m.json : undefined;
  }, 'the approval on the mission');
  show('tracking', state.tracking.at(-1).message);
  const split = await until(async () => {
    const r = await call('POST', `/v1/quotes/${q5.id}/payment-request`, garage, { invoiceNumber: `F-${run}-5`, invoiceDate: new Date().toISOString().slice(0, 10), amountCents: 1_200_00, replacementVehicle: false });
    return r.status === 201 ? r.json : undefined;
  }, 'the payment request');
  say('garage', `requests direct payment of ${euros(split.amountCents)}: approved total ${euros(split.approvedTotalCents)}, above it ${euros(split.aboveApprovedCents)}`);
  show('split', `insurer ${euros(split.insurerShareCents)}, owner ${euros(split.ownerShareCents)}`);
  console.log('\ndone.');
} finally {
  await stop();
}
