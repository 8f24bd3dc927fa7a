// autocannon runs, reduced to the figures the report uses.
import autocannon, { type Options, type Result } from 'autocannon';

export interface LoadFigures {
  /** 2xx per second over the run. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
}

export function figures(result: Result): LoadFigures {
  const ok = result['2xx'];
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
  };
}

export async function load(options: Options): Promise<LoadFigures> {
  const result = await autocannon({ timeout: 30, ...options });
  return figures(result);
}
