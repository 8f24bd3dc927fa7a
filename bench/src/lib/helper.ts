// Starts one of the bench's helper processes (the webhook receivers, the bare POST baseline) the
// way the baseline server is started: bundled by esbuild (to bench/dist/, git-ignored), run by
// plain node, in a process of its own so that its CPU is read apart. The bench talks to it over
// the IPC channel, one question, one answer (src/lib/answer.ts is the helper's side).
import { spawn, type ChildProcess } from 'node:child_process';
import { basename, join } from 'node:path';
import { bundle } from '../../../scripts/build.mjs';

const built = new Map<string, Promise<void>>();

export interface Helper {
  pid: number;
  ask<T>(question: { type: string } & Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export async function startHelper(entry: string, env: Record<string, string> = {}): Promise<Helper> {
  const outfile = join(import.meta.dirname, '..', '..', 'dist', basename(entry).replace(/\.ts$/, '.js'));
  if (!built.has(entry)) built.set(entry, bundle(entry, outfile));
  await built.get(entry);
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', outfile], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-4000)));
  child.stdout!.resume();
  const waiting = new Map<number, { resolve: (answer: any) => void; reject: (error: Error) => void }>();
  let next = 0;
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code, signal) => reject(new Error(`${basename(entry)} exited (${signal ?? code}) before it was ready: ${stderr}`)));
  });
  child.on('message', (message: { id?: number; ready?: boolean; error?: string }) => {
    if (message.ready) return ready();
    if (message.id === undefined) return;
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) pending?.reject(new Error(`${basename(entry)}: ${message.error}`));
    else pending?.resolve(message);
  });
  child.on('exit', (code, signal) => {
    for (const pending of waiting.values()) pending.reject(new Error(`${basename(entry)} exited (${signal ?? code}): ${stderr}`));
    waiting.clear();
  });
  const helper: Helper = {
    pid: child.pid!,
    ask: (question) =>
      new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`${basename(entry)} is not running: ${stderr}`));
        const id = next++;
        waiting.set(id, { resolve, reject });
        child.send({ ...question, id });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
  // It says so once it listens (a question sent before it does could be lost).
  await started;
  return helper;
}
