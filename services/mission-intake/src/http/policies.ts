// /v1/insurers/{insurerId}/policy: the insurer's deadline policy, photo minimum and review thresholds.
import { DEFAULT_INFORMATION_WORKING_DAYS, DEFAULT_INSURER_POLICY, DEFAULT_REVIEW_WORKING_DAYS, Problem } from '@smart-expertise/contracts';
import { InsurerIdParams, InsurerPolicyView, PutPolicyBody } from '@smart-expertise/contracts/http/mission-intake';
import type { App, ServiceContext } from '@smart-expertise/service-runtime';
import { findPolicy, savePolicy, type StoredPolicy } from '../store/policies.ts';
import { problems } from './problems.ts';

const ProblemRef = { $ref: 'Problem' } as unknown as typeof Problem;
const tags = ['insurer policies'];

function policyBody(insurerId: string, stored: StoredPolicy | null) {
  const policy = stored?.policy ?? DEFAULT_INSURER_POLICY;
  return {
    insurerId,
    workingDays: policy.workingDays,
    informationWorkingDays: policy.informationWorkingDays ?? DEFAULT_INFORMATION_WORKING_DAYS,
    reviewWorkingDays: policy.reviewWorkingDays ?? DEFAULT_REVIEW_WORKING_DAYS,
    minPhotos: policy.minPhotos,
    reviewThresholds: policy.reviewThresholds,
    isDefault: stored === null,
    updatedAt: stored?.updatedAt.toISOString() ?? null,
  };
}

export function policyRoutes(app: App, ctx: ServiceContext): void {
  app.put(
    '/v1/insurers/:insurerId/policy',
    {
      config: { roles: ['ops'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 8 * 1024,
      schema: {
        tags,
        summary: "Set the insurer's policy: working days to the deadline, minimum photos, review thresholds",
        description: 'Applies to missions deposited from now on; each mission keeps the policy in force at its deposit.',
        params: InsurerIdParams,
        body: PutPolicyBody,
        response: { 200: InsurerPolicyView, 400: ProblemRef },
      },
    },
    async (request) => {
      const { insurerId } = request.params;
      return policyBody(insurerId, await savePolicy(ctx.pool, insurerId, request.body, ctx.clock()));
    },
  );

  app.get(
    '/v1/insurers/:insurerId/policy',
    {
      config: { roles: ['ops', 'insurer'] },
      schema: {
        tags,
        summary: "The insurer's policy, or the platform's defaults (isDefault) when it has set none",
        params: InsurerIdParams,
        response: { 200: InsurerPolicyView, 404: ProblemRef },
      },
    },
    async (request) => {
      const { insurerId } = request.params;
      const { principal } = request;
      if (principal.role === 'insurer' && principal.org !== insurerId) throw problems.policyNotFound(`No policy for insurer ${insurerId}.`);
      return policyBody(insurerId, await findPolicy(ctx.pool, insurerId));
    },
  );
}
