export const DATABASE_NAME: string;
export const OBSERVABILITY_SETTINGS: readonly string[];
export function databaseUrl(port: number): string;
export interface StartedPostgres {
  /** postgres://user:password@127.0.0.1:port/smart_expertise, without TLS parameters. */
  url: string;
  stop(): Promise<void>;
}
export function startPostgres(options: {
  dir: string;
  port: number;
  log: (line: string) => void;
  /** PEM files of the server's certificate and key: the server then accepts TLS connections too. */
  ssl?: { certFile: string; keyFile: string };
}): Promise<StartedPostgres>;
export function createStatementsExtension(url: string): Promise<void>;
export function waitForPostgres(url: string, timeoutMs?: number): Promise<void>;
