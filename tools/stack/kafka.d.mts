export interface KafkaSasl {
  mechanism: 'scram-sha-512';
  username: string;
  password: string;
}
export const KAFKA_VERSION: string;
export const KAFKA_ADMIN_USER: string;
export const KAFKA_SERVICE_USERS: readonly string[];
/** A local user's SCRAM password, derived from the superuser's. */
export function localKafkaPassword(adminPassword: string, user: string): string;
/** The credentials a client of the local broker gives: the superuser's, or one service's. */
export function localKafkaSasl(adminPassword: string, user?: string): KafkaSasl;
export function localKafkaAdmin(dir: string): KafkaSasl;
export function waitForKafka(brokers: string[], timeoutMs?: number, sasl?: KafkaSasl): Promise<void>;
export function ensureTopics(brokers: string[], topics: string[], options?: { partitions?: number; replicationFactor?: number; sasl?: KafkaSasl }): Promise<string[]>;
