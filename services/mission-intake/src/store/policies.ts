// insurer_policies: each insurer's deadline policy, photo minimum and review thresholds.
import type { InsurerPolicy } from '@smart-expertise/contracts';
import type { Pool, Tx } from '@smart-expertise/service-runtime';

export interface StoredPolicy {
  insurerId: string;
  policy: InsurerPolicy;
  updatedAt: Date;
}

export async function findPolicy(db: Pool | Tx, insurerId: string): Promise<StoredPolicy | null> {
  const { rows } = await db.query<{ policy: InsurerPolicy; updated_at: Date }>(
    'SELECT policy, updated_at FROM insurer_policies WHERE insurer_id = $1',
    [insurerId],
  );
  const row = rows[0];
  return row ? { insurerId, policy: row.policy, updatedAt: row.updated_at } : null;
}

export async function savePolicy(db: Pool | Tx, insurerId: string, policy: InsurerPolicy, at: Date): Promise<StoredPolicy> {
  await db.query(
    `INSERT INTO insurer_policies (insurer_id, policy, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (insurer_id) DO UPDATE SET policy = EXCLUDED.policy, updated_at = EXCLUDED.updated_at`,
    [insurerId, JSON.stringify(policy), at],
  );
  return { insurerId, policy, updatedAt: at };
}
