// npm start: bootstrap a fresh clone, bring the real stack up, start the five services as
// separate processes behind one local gateway, and print the base URL. Ctrl-C stops everything:
// the services first (they drain in-flight work), then Kafka and PostgreSQL, losing nothing.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrap, inOwnProcessGroup, root } from './bootstrap.mjs';

await inOwnProcessGroup();
await bootstrap();
const { ensureStack, kafkaEnv } = await import('../tools/stack/index.mjs');
const { SERVICE_NAMES } = await import('@smart-expertise/contracts');
const { localJwtSecret } = await import('./local-env.ts');
const { startPlatform, freePort } = await import('./platform.ts');

const stack = await ensureStack({ root });
// Lets `npm run demo` find the running platform.
const platformFile = join(root, '.stack', 'platform.json');
let platform;
let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping: the services drain first, then Kafka and PostgreSQL');
  rmSync(platformFile, { force: true });
  await platform?.stop();
  await stack.stop();
  console.log('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  const logDir = join(root, '.stack', 'logs');
  platform = await startPlatform({
    env: {
      DATABASE_URL: stack.databaseUrl,
      ...kafkaEnv(stack),
      JWT_SECRET: localJwtSecret(),
      KAFKA_TOPIC_PARTITIONS: '6',
    },
    logDir,
    preferredPorts: true,
    gatewayPort: await freePort(Number(process.env.PORT ?? 3000)),
  });
} catch (error) {
  console.error(error.message);
  await stopAll(1);
}
const url = platform.url;
writeFileSync(platformFile, JSON.stringify({ url, pid: process.pid }));
console.log(`
Smart Expertise is running at ${url}
  API docs:  ${SERVICE_NAMES.map((n) => `${url}/${n}/docs`).join('\n             ')}
  health:    ${url}/health/ready
  a token:   npm run token -- --role insurer --org INS1
  logs:      .stack/logs/<service>.log
Ctrl-C stops everything.`);
