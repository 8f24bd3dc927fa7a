// The one command handler of a mission (style.md: the decider). The deposit, the garage's abandon,
// the insurer's cancel and every event consumed from the other services go through here, and
// nowhere else is a mission's state written. The rules are not here: the fold (`evolve`,
// `project`, `verdictChanged`) and the deciders come from @smart-expertise/contracts/procedure,
// the rules every service applies.
//
// Each entry point locks its missions (in id order), reads their facts once, decides or takes in
// the facts in memory, then `commit` writes, one statement each for the whole call: the new facts,
// the projections the board and lists read, the audit entries, and the outbox events (the
// action's own event, and a mission.status-changed each time the verdict changed).
import { randomUUID } from 'node:crypto';
import type { EventPayload, EventType } from '@smart-expertise/contracts';
import {
  evolve,
  initialState,
  project,
  stateOf,
  statusChangedPayload,
  verdictChanged,
  type Decided,
  type FactOf,
  type MissionFact,
  type MissionState,
  type MissionView,
} from '@smart-expertise/contracts/procedure';
import type { NewEvent, Pool, ServiceContext, Tx } from '@smart-expertise/service-runtime';
import { recordAudits, recordAuditsStatement, type AuditEntry } from '../store/audit.ts';
import { factsOf, factsOfMissions, recordFacts, recordFactsStatement } from '../store/facts.ts';
import { findMission, insertMissionStatement, lockMissions, saveProjections, type MissionKeys, type MissionRow } from '../store/missions.ts';

/** Who acted, as the audit trail names them, and what they did. */
export type Actor = Pick<AuditEntry, 'actorRole' | 'actorOrg' | 'actorName' | 'action'>;

/** A fact another service published (a consumed event). */
export interface Learned {
  readonly missionId: string;
  readonly fact: MissionFact;
  readonly actor: Actor;
  /** The consumed event's correlation id, carried on to the verdict it causes. */
  readonly correlationId: string;
}

type OwnAction = 'mission.abandoned' | 'mission.cancelled' | 'mission.deadline-extended';
/** The event this service publishes to announce an action it decided. */
export type Announcement = { [T in OwnAction]: { readonly type: T; readonly payload: EventPayload<T> } }[OwnAction];

/** An action this service decides itself on one mission (abandon, cancel, deadline extension). */
export interface Command<F extends MissionFact, Code extends string> {
  readonly missionId: string;
  /** Who may act on this mission; anyone else is answered as if it did not exist. */
  allowed(row: MissionRow): boolean;
  /** The procedure's decider, given what is known and the instant and id of the fact it may record. */
  decide(state: MissionState, at: Date, eventId: string): Decided<F, Code>;
  announce(fact: F, row: MissionRow): Announcement;
  readonly actor: Actor;
  readonly correlationId: string;
}

export type CommandResult<Code extends string> =
  | { readonly ok: true; readonly row: MissionRow; readonly view: MissionView }
  | { readonly ok: false; readonly code: Code | 'mission_not_found'; readonly message: string };

/** A mission being deposited: everything but what the projection gives. */
export type NewMission = Omit<MissionRow, 'status' | 'section' | 'outcome' | 'paymentRequested' | 'updatedAt' | 'lastTracking'>;

/** One fact to take in, with who brought it and, for an action of this service, the event announcing it. */
interface Step {
  readonly missionId: string;
  readonly fact: MissionFact;
  readonly actor: Actor;
  readonly correlationId: string;
  readonly announce?: NewEvent<EventType>;
}

/** A mission as the handler holds it between its read and its writes. */
interface Held {
  /** null: no mission of that id here (yet); its facts are kept all the same. */
  readonly keys: MissionKeys | null;
  state: MissionState;
  /** The verdict shown so far; null before the deposit. */
  view: MissionView | null;
}

export type MissionHandler = ReturnType<typeof missionHandler>;

export function missionHandler(ctx: Pick<ServiceContext, 'outbox' | 'clock'>) {
  /**
   * Records the steps' facts, then folds each new one into its mission in the steps' order (so
   * each audit entry and each verdict names the status before and after its own fact), and writes
   * projections, audit entries and events. A fact already known (a redelivery) changes nothing.
   */
  async function commit(tx: Tx, at: Date, held: Map<string, Held>, steps: readonly Step[]): Promise<void> {
    const fresh = await recordFacts(tx, steps.map(({ missionId, fact }) => ({ missionId, fact })));
    const changed = new Map<string, MissionView>();
    const audits: AuditEntry[] = [];
    const events: NewEvent<EventType>[] = [];
    for (const step of steps) {
      // delete: the same fact twice in one call counts once.
      if (!fresh.delete(step.fact.eventId)) continue;
      const mission = held.get(step.missionId);
      const base = { ...step.actor, missionId: step.missionId, at, eventId: step.fact.eventId };
      if (!mission?.keys) {
        // A fact for a mission not known here is kept; it counts if that mission ever appears.
        audits.push({ ...base, fromStatus: null, toStatus: null });
        continue;
      }
      const before = mission.view;
      mission.state = evolve(mission.state, step.fact);
      const after = project(mission.state);
      mission.view = after;
      changed.set(step.missionId, after);
      audits.push({ ...base, fromStatus: before?.status ?? null, toStatus: after.status });
      if (step.announce) events.push(step.announce);
      if (verdictChanged(before, after)) {
        events.push({
          type: 'mission.status-changed',
          missionId: step.missionId,
          correlationId: step.correlationId,
          causationId: step.fact.eventId,
          occurredAt: at,
          payload: statusChangedPayload(mission.keys, before, after, at, Object.keys(mission.state.facts).length),
        });
      }
    }
    await saveProjections(tx, changed, at);
    await recordAudits(tx, audits);
    await ctx.outbox.appendMany(tx, events);
  }

  /**
   * The deposit, in one statement and so one round trip and one commit: the mission row with its
   * projection, its first fact, the audit entry and mission.received, each written only if the
   * mission's was (the id was just minted, so nothing is known of it yet: no lock, no read).
   * Answers null when a deposit of the same (insurer, insurerMissionRef) committed first.
   */
  async function deposit(db: Pool, mission: NewMission, actor: Actor, correlationId: string): Promise<{ row: MissionRow; view: MissionView } | null> {
    const received: FactOf<'received'> = { type: 'received', eventId: randomUUID(), at: mission.receivedAt, deadline: mission.deadline };
    const view = project(evolve(initialState, received));
    const row: MissionRow = {
      ...mission,
      status: view.status,
      section: view.section,
      outcome: view.outcome,
      paymentRequested: view.paymentRequested,
      updatedAt: received.at,
      lastTracking: view.tracking.at(-1) ?? null,
    };
    const announce: NewEvent<'mission.received'> = {
      id: received.eventId,
      type: 'mission.received',
      missionId: row.id,
      correlationId,
      occurredAt: received.at,
      payload: { mission: row.snapshot, deadline: row.deadline.toISOString(), receivedAt: row.receivedAt.toISOString(), policy: row.policy },
    };
    const onlyIf = 'EXISTS (SELECT 1 FROM mission)';
    const insert = insertMissionStatement(row);
    const facts = recordFactsStatement([{ missionId: row.id, fact: received }], { firstParam: insert.values.length + 1, onlyIf });
    const audit: AuditEntry = { ...actor, missionId: row.id, at: received.at, eventId: received.eventId, fromStatus: null, toStatus: view.status };
    const audits = recordAuditsStatement([audit], { firstParam: insert.values.length + facts.values.length + 1, onlyIf });
    const events = ctx.outbox.appendStatement([announce as NewEvent<EventType>], {
      firstParam: insert.values.length + facts.values.length + audits.values.length + 1,
      onlyIf,
    });
    const { rows } = await db.query<{ inserted: number }>({
      name: 'mission-deposit',
      text: `WITH mission AS (${insert.text} RETURNING id),
                  facts AS (${facts.text}),
                  audit AS (${audits.text}),
                  events AS (${events.text})
             SELECT count(*)::int AS inserted FROM mission`,
      values: [...insert.values, ...facts.values, ...audits.values, ...events.values],
    });
    if (rows[0]!.inserted === 0) return null;
    ctx.outbox.wake();
    return { row, view };
  }

  /** An action decided here, on everything known of the mission under its row lock. */
  async function decide<F extends MissionFact, Code extends string>(tx: Tx, command: Command<F, Code>): Promise<CommandResult<Code>> {
    // The row lock makes two actions on a mission, or an action and an event, take turns.
    const row = await findMission(tx, command.missionId, { lock: true });
    if (!row || !command.allowed(row)) return { ok: false, code: 'mission_not_found', message: `No mission ${command.missionId}.` };
    const state = stateOf(await factsOf(tx, row.id));
    const at = ctx.clock();
    const decision = command.decide(state, at, randomUUID());
    if (!decision.ok) return decision;
    const { fact } = decision;
    const { type, payload } = command.announce(fact, row);
    // The fact carries the id of the event that announces it.
    const announce = { id: fact.eventId, type, missionId: row.id, correlationId: command.correlationId, occurredAt: at, payload } as NewEvent<EventType>;
    const mission: Held = { keys: row, state, view: project(state) };
    await commit(tx, at, new Map([[row.id, mission]]), [{ missionId: row.id, fact, actor: command.actor, correlationId: command.correlationId, announce }]);
    const view = mission.view!;
    return {
      ok: true,
      row: { ...row, status: view.status, section: view.section, outcome: view.outcome, paymentRequested: view.paymentRequested, updatedAt: at, lastTracking: view.tracking.at(-1) ?? null },
      view,
    };
  }

  /**
   * Facts other services published, for one mission or a batch of many (the consumers' `apply`
   * and `applyBatch`): six statements whatever the batch's size, with the same result, audit
   * trail and events as one fact at a time.
   */
  async function learn(tx: Tx, learned: readonly Learned[]): Promise<void> {
    if (learned.length === 0) return;
    const keys = await lockMissions(tx, [...new Set(learned.map((l) => l.missionId))]);
    const facts = await factsOfMissions(tx, [...keys.keys()]);
    const held = new Map<string, Held>();
    for (const { missionId } of learned) {
      if (held.has(missionId)) continue;
      const mission = keys.get(missionId);
      const state = mission ? stateOf(facts.get(missionId) ?? []) : initialState;
      held.set(missionId, { keys: mission ?? null, state, view: mission ? project(state) : null });
    }
    await commit(tx, ctx.clock(), held, learned);
  }

  return { deposit, decide, learn };
}
