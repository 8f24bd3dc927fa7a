// The insurer's claims system, as an integrator runs it: a webhook receiver subscribed to every
// public event of the load's insurer. The suite stops it for a while (its own outage), kills the
// integrations service with the others, and then checks what it received against the feed.
import { Receiver } from '@smart-expertise/integrations/testing';
import { token, waitFor } from '@smart-expertise/service-runtime/testing';
import type { FaultRecord } from './faults.ts';
import type { System } from './harness.ts';
import { FAULTS_INSURER, type Client } from './load.ts';

type Log = (line: string) => void;

export interface InsurerSystem {
  receiver: Receiver;
  subscriptionId: string;
}

export async function subscribeInsurer(http: Client, log: Log): Promise<InsurerSystem> {
  const receiver = new Receiver();
  await receiver.start();
  const created = await http.post('/v1/subscriptions', await token({ role: 'insurer', org: FAULTS_INSURER }), { url: receiver.url, events: ['*'], description: 'claims system' });
  if (created.status !== 201) throw new Error(`subscription refused: ${created.status} ${created.text}`);
  receiver.secrets.push(created.json.secret);
  log(`the insurer's claims system subscribed (${created.json.id}) at ${receiver.url}`);
  return { receiver, subscriptionId: created.json.id };
}

/**
 * The receiver down until a delivery to it has failed `attempts` times in a row, so the outage spans
 * that many steps of the back-off (1 s, 2 s, 4 s… in this suite), however fast the machine; then up
 * again. The load goes on meanwhile, so deliveries pile up behind the one being retried.
 */
export async function receiverOutage(sys: System, faults: FaultRecord[], log: Log, insurer: InsurerSystem, attempts: number): Promise<void> {
  const started = Date.now();
  const mostFailures = async () =>
    (
      await sys.db.query(`SELECT coalesce(max(attempts - retry_base), 0)::int AS n FROM ${sys.schema.integrations}.deliveries WHERE subscription_id = $1 AND status = 'pending'`, [
        insurer.subscriptionId,
      ])
    ).rows[0].n as number;
  await insurer.receiver.stop();
  let failed = 0;
  try {
    failed = await waitFor(async () => ((await mostFailures()) >= attempts ? mostFailures() : 0), {
      timeoutMs: 180_000,
      intervalMs: 250,
      message: `a delivery to the stopped receiver to fail ${attempts} times`,
    });
  } finally {
    await insurer.receiver.start();
  }
  const ms = Date.now() - started;
  faults.push({ fault: "the insurer's webhook receiver down", ms, detail: `a delivery failed ${failed} times meanwhile` });
  log(`the insurer's webhook receiver was down ${ms} ms: a delivery failed ${failed} times meanwhile`);
}

export interface WebhookReport {
  feed: number;
  received: number;
  duplicates: number;
  lost: string[];
  outOfOrder: string[];
  unexplained: string[];
}

/**
 * Once every delivery of the subscription is delivered: each event of the insurer's feed reached
 * the receiver, each mission's in feed order (by first arrival), anything received twice came
 * under the same webhook-id with the same body, and nothing arrived that the feed does not hold.
 */
export async function auditWebhooks(sys: System, insurer: InsurerSystem): Promise<WebhookReport> {
  const schema = sys.schema.integrations;
  await waitFor(
    async () => {
      const { rows } = await sys.db.query(`SELECT count(*) FILTER (WHERE status <> 'delivered')::int AS open FROM ${schema}.deliveries WHERE subscription_id = $1`, [insurer.subscriptionId]);
      return rows[0].open === 0;
    },
    { timeoutMs: 300_000, intervalMs: 500, message: "every delivery to the insurer's claims system delivered" },
  );
  const { rows: feed } = await sys.db.query<{ event_id: string; mission_id: string; payload: unknown }>(
    `SELECT f.event_id, f.mission_id, f.payload FROM ${schema}.feed f JOIN ${schema}.deliveries d ON d.feed_seq = f.seq AND d.subscription_id = $1 ORDER BY f.seq`,
    [insurer.subscriptionId],
  );
  const { rows: all } = await sys.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.feed WHERE organisation = $1 AND role = 'insurer'`, [
    (await sys.db.query(`SELECT organisation FROM ${schema}.subscriptions WHERE id = $1`, [insurer.subscriptionId])).rows[0].organisation,
  ]);
  const report: WebhookReport = { feed: feed.length, received: insurer.receiver.accepted.length, duplicates: 0, lost: [], outOfOrder: [], unexplained: [] };
  if (all[0]!.n !== feed.length) report.lost.push(`the feed holds ${all[0]!.n} events of the insurer, ${feed.length} have a delivery`);
  const firstArrival = new Map<string, { index: number; body: string }>();
  insurer.receiver.accepted.forEach((r, index) => {
    const seen = firstArrival.get(r.webhookId);
    if (!seen) firstArrival.set(r.webhookId, { index, body: r.body });
    else if (seen.body === r.body) report.duplicates += 1;
    else report.unexplained.push(`${r.webhookId} arrived twice with different bodies`);
    if (r.webhookId !== r.event.id) report.unexplained.push(`webhook-id ${r.webhookId} carries event ${r.event.id}`);
  });
  for (const id of insurer.receiver.rejected) report.unexplained.push(`a delivery failed signature verification: ${JSON.stringify(id.headers['webhook-id'])}`);
  const inFeed = new Set(feed.map((f) => f.event_id));
  for (const id of firstArrival.keys()) if (!inFeed.has(id)) report.unexplained.push(`${id} received, not in the feed`);
  const byMission = new Map<string, string[]>();
  for (const f of feed) {
    const arrival = firstArrival.get(f.event_id);
    if (!arrival) report.lost.push(`${f.event_id} (mission ${f.mission_id}) never received`);
    else if (JSON.stringify(JSON.parse(arrival.body)) !== JSON.stringify(f.payload)) report.unexplained.push(`${f.event_id} received with another body than the feed's`);
    byMission.set(f.mission_id, [...(byMission.get(f.mission_id) ?? []), f.event_id]);
  }
  for (const [missionId, ids] of byMission) {
    const arrived = ids.filter((id) => firstArrival.has(id)).sort((a, b) => firstArrival.get(a)!.index - firstArrival.get(b)!.index);
    const expected = ids.filter((id) => firstArrival.has(id));
    if (arrived.join() !== expected.join()) report.outOfOrder.push(`mission ${missionId}: received ${arrived.join(', ')}; feed order ${expected.join(', ')}`);
  }
  return report;
}
