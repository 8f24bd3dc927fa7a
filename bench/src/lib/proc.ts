// Process-level measurements: resident memory from /proc, and a sampler that keeps each
// process's peak while a scenario runs.
import { readFileSync } from 'node:fs';

/** VmRSS of a process in MB, from /proc/<pid>/status; NaN once it is gone. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples the RSS of named processes every `intervalMs`; `peaks()` since the last `reset()`. */
export class RssSampler {
  private peak = new Map<string, number>();
  private samples = new Map<string, number[]>();
  private timer: NodeJS.Timeout;
  constructor(
    private readonly pids: () => Map<string, number | undefined>,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }
  sample(): void {
    for (const [name, pid] of this.pids()) {
      const mb = rssMb(pid);
      if (!Number.isFinite(mb)) continue;
      this.peak.set(name, Math.max(this.peak.get(name) ?? 0, mb));
      const list = this.samples.get(name) ?? [];
      list.push(mb);
      this.samples.set(name, list);
    }
  }
  reset(): void {
    this.peak.clear();
    this.samples.clear();
  }
  peaks(): Record<string, number> {
    this.sample();
    return Object.fromEntries(this.peak);
  }
  series(name: string): number[] {
    return [...(this.samples.get(name) ?? [])];
  }
  stop(): void {
    clearInterval(this.timer);
  }
}
