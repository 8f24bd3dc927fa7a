import type { ServiceContext } from '@smart-expertise/service-runtime';
import { countRunning } from './store/deadlines.ts';

function create(ctx: ServiceContext) {
  return {
    deadlinesPending: ctx.metrics.gauge('deadlines_pending', 'Running deadlines: missions neither settled nor expired', () => countRunning(ctx.pool)),
    missionsExpired: ctx.metrics.counter('missions_expired_total', 'Missions expired by sweeps (mission.expired written to the outbox)', ['trigger']),
    deadlineWarnings: ctx.metrics.counter('deadline_warnings_total', 'mission.deadline-approaching written to the outbox', ['trigger']),
    runDuration: ctx.metrics.histogram('expiry_run_duration_seconds', 'Duration of an expiry sweep, by trigger and status', [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900], ['trigger', 'status']),
    batchesCommitted: ctx.metrics.counter('expiry_batches_total', 'Batches committed by expiry sweeps, by kind (expiry, warning)', ['kind']),
  };
}

const byRegistry = new WeakMap<object, ReturnType<typeof create>>();

/** The scheduler's instruments, registered once per service instance (prom-client refuses a name twice). */
export function expiryMetrics(ctx: ServiceContext) {
  let instruments = byRegistry.get(ctx.metrics.registry);
  if (!instruments) {
    instruments = create(ctx);
    byRegistry.set(ctx.metrics.registry, instruments);
  }
  return instruments;
}
