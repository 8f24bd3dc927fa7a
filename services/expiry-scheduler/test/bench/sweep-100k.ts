// Manual benchmark (not part of `vitest run`): one sweep over 100,000 due deadlines in a throwaway
// schema, reporting duration, batches and peak memory. The outbox relay is not started, so the
// broker is not flooded; the schema is dropped at the end.
//   export $(cat /work/briefs/stack.env | xargs); node --expose-gc --import tsx test/bench/sweep-100k.ts [count] [batch]
import { testEnvironment } from '@smart-expertise/service-runtime/testing';
import { buildExpiryScheduler, sweep } from '../../src/index.ts';

const count = Number(process.argv[2] ?? 100_000);
const batch = process.argv[3] ?? '500';
const env = testEnvironment('expiry-scheduler', { EXPIRY_BATCH_SIZE: batch, EXPIRY_CRON_ENABLED: 'false', LOG_LEVEL: 'warn' });
const service = await buildExpiryScheduler(env);
await service.migrate();
const { pool } = service.ctx;
try {
  await pool.query(
    `INSERT INTO deadlines (mission_id, status, deadline)
     SELECT 'bench-' || g, 'running', now() - interval '1 hour' - make_interval(secs => g) FROM generate_series(1, $1::int) AS g`,
    [count],
  );
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  (globalThis as { gc?: () => void }).gc?.();
  const startRss = process.memoryUsage().rss;
  console.log(JSON.stringify({ heapBeforeMb: Math.round(process.memoryUsage().heapUsed / 1e6) }));
  const run = await sweep(service.ctx, new Date(), { trigger: 'manual' });
  clearInterval(sampler);
  (globalThis as { gc?: () => void }).gc?.();
  console.log(JSON.stringify({ heapAfterGcMb: Math.round(process.memoryUsage().heapUsed / 1e6) }));
  const { rows } = await pool.query("SELECT count(*)::int AS n FROM outbox WHERE event_type = 'mission.expired'");
  console.log(
    JSON.stringify({
      count,
      batchSize: Number(batch),
      expired: run.expiredCount,
      batches: run.batches,
      durationMs: run.durationMs,
      perSecond: Math.round((run.expiredCount / (run.durationMs ?? 1)) * 1000),
      outboxRows: rows[0].n,
      rssStartMb: Math.round(startRss / 1e6),
      rssPeakMb: Math.round(peakRss / 1e6),
    }),
  );
} finally {
  await pool.query(`DROP SCHEMA ${env.DB_SCHEMA} CASCADE`);
  await pool.end();
}
