// /v1/missions/{id}/audit: who changed the mission's state, for ops.
import { Problem, type MissionStatus } from '@smart-expertise/contracts';
import { MissionAudit, MissionIdParams } from '@smart-expertise/contracts/http/mission-intake';
import type { App, ServiceContext } from '@smart-expertise/service-runtime';
import { auditOf } from '../store/audit.ts';
import { findMission } from '../store/missions.ts';
import { problems } from './problems.ts';

const ProblemRef = { $ref: 'Problem' } as unknown as typeof Problem;

export function auditRoutes(app: App, ctx: ServiceContext): void {
  app.get(
    '/v1/missions/:id/audit',
    {
      config: { roles: ['ops'] },
      schema: {
        tags: ['missions'],
        summary: "The mission's audit trail, oldest first: every change of state, who made it and which event carried it (ops only)",
        params: MissionIdParams,
        response: { 200: MissionAudit, 404: ProblemRef },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await findMission(ctx.pool, id))) throw problems.missionNotFound(`No mission ${id}.`);
      const entries = await auditOf(ctx.pool, id);
      return {
        missionId: id,
        entries: entries.map((e) => ({
          at: e.at.toISOString(),
          actorRole: e.actorRole,
          actorOrg: e.actorOrg,
          actorName: e.actorName ?? null,
          action: e.action,
          fromStatus: e.fromStatus as MissionStatus | null,
          toStatus: e.toStatus as MissionStatus | null,
          eventId: e.eventId ?? null,
        })),
      };
    },
  );
}
