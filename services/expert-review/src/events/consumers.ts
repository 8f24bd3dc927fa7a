// mission.received keeps the mission copy; quote.submitted opens a review case. The two arrive on
// different topics in any order: a case opened before its mission is reassessed when it arrives.
import { randomUUID } from 'node:crypto';
import { Topics } from '@smart-expertise/contracts';
import type { ConsumerSpec, ServiceContext } from '@smart-expertise/service-runtime';
import { assess, type MissionPolicyFacts } from '../domain/assessment.ts';
import { findMission, lockMission, saveMission, type MissionCopy } from '../store/missions.ts';
import { casesOfMission, openCase, reassess } from '../store/review-cases.ts';

export const CONSUMER_GROUP = 'expert-review';

function policyFacts(mission: MissionCopy): MissionPolicyFacts {
  return { vehicleValueCents: mission.vehicle.valueCents, minPhotos: mission.minPhotos, reviewThresholds: mission.reviewThresholds };
}

export function newCaseId(): string {
  return `rv_${randomUUID().replaceAll('-', '')}`;
}

export function reviewConsumers(ctx: ServiceContext): ConsumerSpec[] {
  return [
    {
      groupId: CONSUMER_GROUP,
      topics: [Topics.missionIntake, Topics.quote],
      handlers: {
        'mission.received': async (tx, event) => {
          await lockMission(tx, event.missionId);
          await saveMission(tx, event.missionId, event.payload);
          const mission = await findMission(tx, event.missionId);
          if (!mission) return;
          // A quote that came first was assessed with default thresholds: now the insurer's apply.
          for (const reviewCase of await casesOfMission(tx, event.missionId)) {
            await reassess(tx, reviewCase.id, mission.deadline, assess(reviewCase.quote, policyFacts(mission)), ctx.clock());
          }
        },
        'quote.submitted': async (tx, event) => {
          await lockMission(tx, event.missionId);
          const mission = await findMission(tx, event.missionId);
          // Unique on quote_id: a redelivered or re-published quote.submitted opens nothing twice.
          await openCase(tx, {
            id: newCaseId(),
            missionId: event.missionId,
            quote: event.payload,
            deadline: mission?.deadline ?? null,
            assessment: assess(event.payload, mission ? policyFacts(mission) : null),
            openedAt: ctx.clock(),
          });
        },
      },
    },
  ];
}
