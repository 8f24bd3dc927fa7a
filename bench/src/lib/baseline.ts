// Starts the baseline server (src/baseline-server.ts) as a separate process, started the way the
// services are: bundled by esbuild (to bench/dist/, git-ignored), run by plain node.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundle } from '../../../scripts/build.mjs';
import { freePort } from '../../../scripts/platform.ts';

const entry = join(import.meta.dirname, '..', 'baseline-server.ts');
const outfile = join(import.meta.dirname, '..', '..', 'dist', 'baseline-server.js');
let built: Promise<void> | undefined;

export interface BaselineServer {
  url: string;
  pid: number;
  /** ms from spawn to the first 200 of GET /hello. */
  startupMs: number;
  stop(): Promise<void>;
}

export async function startBaseline(env: Record<string, string>): Promise<BaselineServer> {
  // Once per run, before the clock starts: the services' bundles are built before theirs too.
  await (built ??= bundle(entry, outfile));
  const port = await freePort(0);
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', outfile], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  child.stdout!.resume();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`baseline server exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/hello`)).ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`baseline server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const startupMs = performance.now() - started;
  return {
    url,
    pid: child.pid!,
    startupMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
