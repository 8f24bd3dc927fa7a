// npm run faults: the full fault-injection suite (tests/faults) on demand. It starts its own
// PostgreSQL and Kafka, which it stops and restarts as part of the test; `npm test` runs the
// reduced variant.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bootstrap, root } from './bootstrap.mjs';

await bootstrap();
const result = spawnSync('npx', ['vitest', 'run'], {
  cwd: join(root, 'tests', 'faults'),
  stdio: 'inherit',
  env: { ...process.env, FAULTS_FULL: '1', KAFKAJS_NO_PARTITIONER_WARNING: '1' },
});
process.exit(result.status ?? 1);
