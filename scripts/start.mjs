// npm start: bootstrap a fresh clone, bring the real stack up, start the four services as
// separate processes behind one local gateway, and print the base URL. Ctrl-C stops everything,
// the services first (they drain), then Kafka and PostgreSQL, losing nothing.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { bootstrap, root } from './bootstrap.mjs';

function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
async function pickPort(preferred) {
  if (await portFree(preferred)) return preferred;
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
async function waitReady(url, child, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

await bootstrap();
const { ensureStack, ensureTopics } = await import('../tools/stack/index.mjs');
const { ALL_TOPICS, SERVICE_NAMES, ServiceRoutes } = await import('@smart-expertise/contracts');
const { localJwtSecret } = await import('./local-env.ts');
const { startGateway } = await import('./gateway.ts');

const stack = await ensureStack({ root });
await ensureTopics(stack.kafkaBrokers, ALL_TOPICS, { partitions: 6 });
const logDir = join(root, '.stack', 'logs');
mkdirSync(logDir, { recursive: true });

const children = new Map();
let gateway;
let stopping = false;
async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping: services drain first, then Kafka and PostgreSQL');
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
        }),
    ),
  );
  await gateway?.close();
  await stack.stop();
  console.log('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const upstreams = {};
const secret = localJwtSecret();
for (const name of SERVICE_NAMES) {
  const port = await pickPort(Number(process.env[`${name.toUpperCase().replaceAll('-', '_')}_PORT`] ?? ServiceRoutes[name].port));
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'services', name, 'src', 'main.ts')], {
    cwd: join(root, 'services', name),
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      JWT_SECRET: secret,
      PORT: String(port),
      HOST: '127.0.0.1',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      KAFKA_TOPIC_PARTITIONS: '6',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Out of the terminal's process group: Ctrl-C reaches this script, which drains them in order.
    detached: true,
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${signal ?? code}); see .stack/logs/${name}.log`);
  });
  children.set(name, child);
  upstreams[name] = `http://127.0.0.1:${port}`;
}

for (const name of SERVICE_NAMES) {
  const ready = await waitReady(upstreams[name], children.get(name));
  if (!ready) {
    console.error(`${name} did not become ready; see .stack/logs/${name}.log`);
    await stopAll(1);
  }
  console.log(`  ${name.padEnd(17)} ready at ${upstreams[name]}`);
}

const gatewayPort = await pickPort(Number(process.env.PORT ?? 3000));
gateway = await startGateway({ port: gatewayPort, upstreams });
console.log(`
Smart Expertise is running at ${gateway.url}
  API docs:  ${SERVICE_NAMES.map((n) => `${gateway.url}/${n}/docs`).join('\n             ')}
  health:    ${gateway.url}/health/ready
  a token:   npm run token -- --role insurer --org INS1
  logs:      .stack/logs/<service>.log
Ctrl-C stops everything.`);
