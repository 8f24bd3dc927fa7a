// npm run bench: the benchmark suite (not part of npm test). Bootstraps a fresh clone like the
// other scripts, then runs bench/src/run.ts, which brings the stack up, starts the four services
// as separate processes on fresh schemas, runs the scenarios, stops everything and writes
// docs/benchmarks.md. `npm run bench -- --quick` is a smoke run of a few minutes.
import { bootstrap, inOwnProcessGroup } from './bootstrap.mjs';

await inOwnProcessGroup();
await bootstrap();
await import('../bench/src/run.ts');
