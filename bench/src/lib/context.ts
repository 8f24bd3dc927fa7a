// What every scenario gets: the platform (services as processes), the stack, tokens, an admin
// connection to PostgreSQL, the run's sizes, and the memory sampler.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { signToken, type KafkaSecurity, type Principal } from '@smart-expertise/service-runtime';
import type { ServiceName } from '@smart-expertise/contracts';
import type { Platform } from '../../../scripts/platform.ts';
import type { RssSampler } from './proc.ts';
import type { DbWork, DbWorkMeter } from './db-work.ts';

export interface Sizes {
  /** Measured repetitions of each load scenario. */
  runs: number;
  /** Seconds of each measured load run. */
  seconds: number;
  /** Missions in the database for the board scenario, and the share of the board's garage. */
  boardTotal: number;
  boardGarage: number;
  /** Due missions per expiry sweep, and how many sweeps. */
  sweepCount: number;
  sweepRuns: number;
  /** Closes per second in the propagation scenario. */
  closeRate: number;
  /** autocannon connections for the saturating deposit runs. */
  connections: number;
  /** Deposits per fan-out run (each a webhook delivery to every one of the 100 subscribers), and how many runs. */
  fanoutDeposits: number;
  fanoutRuns: number;
}

export const QUICK: Sizes = { runs: 2, seconds: 5, boardTotal: 100_000, boardGarage: 10_000, sweepCount: 10_000, sweepRuns: 1, closeRate: 100, connections: 32, fanoutDeposits: 200, fanoutRuns: 2 };
export const FULL: Sizes = { runs: 5, seconds: 15, boardTotal: 1_000_000, boardGarage: 100_000, sweepCount: 100_000, sweepRuns: 3, closeRate: 100, connections: 32, fanoutDeposits: 1_000, fanoutRuns: 3 };

export interface BenchContext {
  /** The baseline's CPU per insert (every process but the load generator), once scenario 1 measured it. */
  baselineInsertCpuMs?: number;
  quick: boolean;
  sizes: Sizes;
  platform: Platform;
  databaseUrl: string;
  kafkaBrokers: string[];
  /** The stack broker's superuser, for the bench's own clients (baselines, cleanup). */
  kafkaSecurity: KafkaSecurity;
  jwtSecret: string;
  topicPrefix: string;
  schemas: Record<ServiceName, string>;
  /** Connections without a search_path: scenario SQL names the schema. Every statement is tagged as the bench's. */
  db: pg.Pool;
  /** PostgreSQL's work over a window around one service run. */
  dbWork: DbWorkMeter;
  sampler: RssSampler;
  /** CPU ms so far of the services, PostgreSQL (all its processes), Kafka when known, and the bench. */
  cpu(extra?: Record<string, number | undefined>): Record<string, number>;
  token(principal: Principal): Promise<string>;
  /** Base URL of one service (straight to the process, as the ingress would). */
  url(service: ServiceName): string;
  log(line: string): void;
}

export function newJwtSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenFactory(secret: string) {
  const cache = new Map<string, Promise<string>>();
  return (principal: Principal) => {
    const key = JSON.stringify(principal);
    let token = cache.get(key);
    if (!token) {
      token = signToken(secret, principal, { expiresIn: '6h' });
      cache.set(key, token);
    }
    return token;
  };
}

export function dateInDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The deposit body of the end-to-end tests, with the references given. */
export function depositBody(ref: string, garageId: string, expertOfficeId: string) {
  return {
    insurerMissionRef: ref,
    garageId,
    expertOfficeId,
    claim: { claimNumber: `CLM-${ref}`, policyNumber: 'POL-778812', lossDate: '2026-11-02', circumstances: 'Rear-end collision at a red light in Namur.' },
    vehicle: { vin: 'WVWZZZ1KZAW123456', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2019-05-14', valueCents: 14_500_00 },
    owner: { name: 'Sophie Dubois', phone: '+32 475 11 22 33', email: 'sophie.dubois@example.be', vatRegime: 'none' },
    directPayment: { planned: true, ceilingCents: 5_000_00, deductibleCents: 250_00 },
    deadline: dateInDays(10),
  };
}

export type ScenarioStatus = 'met' | 'missed' | 'n/a';

/** One scenario's contribution to the report. */
export interface ScenarioResult {
  key: string;
  title: string;
  /** Markdown: method, table, target lines. */
  markdown: string;
  targets: { name: string; status: ScenarioStatus; detail: string }[];
  data: unknown;
  /** PostgreSQL's work per operation in one measured run. */
  dbWork?: DbWork;
}
