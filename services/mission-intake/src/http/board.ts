// /v1/board: the garage's board, a count per section and one section's missions, newest first.
import { BOARD_SECTIONS, Problem, type BoardSection } from '@smart-expertise/contracts';
import { Board, BoardQuery } from '@smart-expertise/contracts/http/mission-intake';
import { project, stateOf } from '@smart-expertise/contracts/procedure';
import type { App, ServiceContext } from '@smart-expertise/service-runtime';
import Type from 'typebox';
import { decodeCursor, encodeCursor } from '../domain/cursor.ts';
import { languageOf } from '../domain/language.ts';
import { factsOfMissions } from '../store/facts.ts';
import { boardView, type BoardRow } from '../store/missions.ts';
import { problems } from './problems.ts';
import { renderTracking } from './views.ts';

const ProblemRef = { $ref: 'Problem' } as unknown as typeof Problem;

/** Every section the board counts, in the vocabulary's order (libs/contracts). */
export const SECTIONS: readonly BoardSection[] = BOARD_SECTIONS;

export function boardRoutes(app: App, ctx: ServiceContext): void {
  app.get(
    '/v1/board',
    {
      config: { roles: ['garage'] },
      schema: {
        tags: ['board'],
        summary: "The garage's board: a count per section and the missions of one section (default smart.new)",
        description: 'Newest first, keyset-paginated: pass `nextCursor` back as `cursor` with the same section.',
        headers: Type.Object({ 'accept-language': Type.Optional(Type.String()) }),
        querystring: BoardQuery,
        response: { 200: Board, 400: ProblemRef },
      },
    },
    async (request) => {
      const garageId = request.principal.org;
      const { section = 'smart.new', cursor, limit = 20 } = request.query;
      const after = cursor === undefined ? null : decodeCursor(cursor);
      if (cursor !== undefined && after === null) throw problems.invalidCursor('Pass back the nextCursor of a previous page unchanged.');
      const lang = languageOf(request.headers['accept-language']);

      const { counts: counted, rows } = await boardView(ctx.pool, garageId, section, after, limit + 1);
      const page = rows.slice(0, limit);
      // Rows projected before last_tracking was kept: fold their facts, as every read once did.
      const unprojected = page.filter((row) => row.lastTracking === null).map((row) => row.id);
      const facts = unprojected.length > 0 ? await factsOfMissions(ctx.pool, unprojected) : new Map();
      const lastTrackingOf = (row: BoardRow) => row.lastTracking ?? project(stateOf(facts.get(row.id) ?? [])).tracking.at(-1);
      const counts = Object.fromEntries(SECTIONS.map((s) => [s, counted.get(s) ?? 0])) as Record<BoardSection, number>;
      const last = page.at(-1);
      return {
        counts,
        section,
        items: page.map((row) => {
          const lastEntry = lastTrackingOf(row);
          return {
            id: row.id,
            insurerMissionRef: row.insurerMissionRef,
            claimNumber: row.claimNumber,
            plate: row.plate,
            make: row.make,
            model: row.model,
            status: row.status,
            section: row.section,
            deadline: row.deadline.toISOString(),
            receivedAt: row.receivedAt.toISOString(),
            paymentRequested: row.paymentRequested,
            lastTracking: lastEntry ? renderTracking([lastEntry], lang)[0]! : null,
          };
        }),
        nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
      };
    },
  );
}
