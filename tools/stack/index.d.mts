import type { KafkaSasl } from './kafka.mjs';

export { ensureTopics, localKafkaSasl, KAFKA_VERSION, KAFKA_ADMIN_USER } from './kafka.mjs';
export interface Stack {
  databaseUrl: string;
  kafkaBrokers: string[];
  kafkaSasl: KafkaSasl | undefined;
  provider: 'external' | 'docker' | 'embedded';
  stop(): Promise<void>;
}
/** What a client of the stack's broker sets: where it is, and the superuser's SASL credentials when it has them. */
export function kafkaEnv(stack: Pick<Stack, 'kafkaBrokers' | 'kafkaSasl'>): Record<string, string>;
/** A port nobody listens on now, on the loopback interface. */
export function freePort(): Promise<number>;
export function ensureStack(options: { root: string; log?: (line: string) => void }): Promise<Stack>;
