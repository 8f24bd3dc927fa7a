import Type from 'typebox';
import { ExpiryRun, ExpiryRunListQuery, ExpiryRunPage, StartExpiryRunQuery } from '@smart-expertise/contracts/http/expiry-scheduler';
import { decodeKeysetCursor, encodeKeysetCursor, type App } from '@smart-expertise/service-runtime';
import type { SchedulerContext } from '../events/sweep.ts';
import type { SweepRunner } from '../events/cron-task.ts';
import { listRuns, type RunCursor } from '../store/expiry-runs.ts';
import { problems } from './problems.ts';

/** The runtime registers the shared Problem schema under this id. */
const ProblemRef = Type.Ref('Problem');

function encodeCursor(cursor: RunCursor): string {
  return encodeKeysetCursor([cursor.startedAt, cursor.id]);
}

function decodeCursor(raw: string): RunCursor {
  const [startedAt, id] = decodeKeysetCursor(raw, 2) ?? [];
  if (typeof startedAt === 'string' && !Number.isNaN(Date.parse(startedAt)) && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)) return { startedAt, id };
  throw problems.invalidCursor('cursor is not one this service issued; start again without it', { errors: [{ path: '/query/cursor', message: 'is invalid' }] });
}

/** Ops only: the history of sweeps, and a sweep now. Nobody else calls this service. */
export function expiryRunRoutes(app: App, ctx: SchedulerContext, runner: SweepRunner): void {
  app.get(
    '/v1/expiry-runs',
    {
      config: { roles: ['ops'] },
      schema: {
        tags: ['expiry-runs'],
        summary: 'Recent expiry sweeps, most recent first: when, how many expired and warned, how long',
        querystring: ExpiryRunListQuery,
        response: { 200: ExpiryRunPage, 400: ProblemRef, 401: ProblemRef, 403: ProblemRef },
      },
    },
    async (request) => {
      const { limit = 20, cursor } = request.query;
      const page = await listRuns(ctx.pool, { limit, after: cursor ? decodeCursor(cursor) : null });
      return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.post(
    '/v1/expiry-runs',
    {
      config: { roles: ['ops'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 1024,
      schema: {
        tags: ['expiry-runs'],
        summary: 'Run an expiry sweep now (the cron does the same on its schedule); safe alongside other replicas',
        querystring: StartExpiryRunQuery,
        response: { 201: ExpiryRun, 202: ExpiryRun, 401: ProblemRef, 403: ProblemRef, 500: ProblemRef },
      },
    },
    async (request, reply) => {
      const wait = request.query.wait ?? true;
      let announce: (run: ExpiryRun) => void = () => {};
      const recorded = new Promise<ExpiryRun>((resolve) => (announce = resolve));
      const running = runner.run({ trigger: 'manual', onStarted: (run) => announce(run) });
      if (!wait) {
        // Answer once the run is recorded; it goes on, followed with GET /v1/expiry-runs.
        const first = await Promise.race([recorded, running]);
        running.catch((error) => request.log.error({ err: error }, 'manual expiry sweep failed'));
        return reply.code(202).send(first);
      }
      try {
        return reply.code(201).send(await running);
      } catch (error) {
        const run = (error as { run?: ExpiryRun | null }).run;
        throw problems.expiryRunFailed(`the sweep stopped: ${(error as Error).message}; its committed batches stand and the next sweep takes the rest`, run ? { runId: run.id } : {});
      }
    },
  );
}
