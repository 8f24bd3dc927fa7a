// Preloaded into a service with NODE_OPTIONS=--import=<this file> (node refuses --cpu-prof in
// NODE_OPTIONS): samples the CPU from start to exit and writes a .cpuprofile, like --cpu-prof,
// into BENCH_CPU_PROF_DIR. The inspector session of the main thread answers synchronously, so
// the profile can be written in the exit handler.
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
