// CPU time per process from /proc (utime + stime), so that a scenario can say what one operation
// costs in each process, a figure that holds on a busy machine where throughput does not.
import { readFileSync, readdirSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime; with `reaped`, also cutime + cstime: the CPU of children that exited and were waited for. */
function ticksOf(pid: number, { reaped = false } = {}): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
  } catch {
    return 0;
  }
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** CPU ms so far of each named process, plus every `postgres` process together, plus this process. */
export function cpuSnapshot(pids: Map<string, number | undefined>, extra: Record<string, number | undefined> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of [...pids, ...Object.entries(extra)]) if (pid) out[name] = ticksOf(pid) * TICK_MS;
  let postgres = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // A backend that exits (a pool closing a connection) leaves /proc; its CPU then counts in the
    // postmaster's cutime, else the sum would drop and a run could show negative PostgreSQL CPU.
    if (commOf(Number(entry)) === 'postgres') postgres += ticksOf(Number(entry), { reaped: true });
  }
  out.postgres = postgres * TICK_MS;
  const self = process.cpuUsage();
  out['bench (load generator)'] = (self.user + self.system) / 1000;
  return out;
}

export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]));
}

/** "name X ms" per operation, largest first. */
export function perOperation(delta: Record<string, number>, operations: number): { name: string; ms: number }[] {
  return Object.entries(delta)
    .map(([name, ms]) => ({ name, ms: ms / Math.max(1, operations) }))
    .sort((a, b) => b.ms - a.ms);
}
