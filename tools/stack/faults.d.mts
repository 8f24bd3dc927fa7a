export interface FaultStack {
  databaseUrl: string;
  kafkaBrokers: string[];
  kafkaSasl: { mechanism: 'scram-sha-512'; username: string; password: string };
  stopKafka(): Promise<void>;
  killKafka(): Promise<void>;
  startKafka(): Promise<void>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  stop(): Promise<void>;
}
export function startFaultStack(options: { root: string; dir: string; log?: (line: string) => void }): Promise<FaultStack>;
