// Starts the five services as separate processes, as in production (each its esbuild bundle under
// plain node, see build.mjs), and the local gateway in front of them. Used by `npm start`, the
// end-to-end and fault tests, `npm run demo` and the bench.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARTITIONS_DEFAULT, SERVICE_NAMES, ServiceRoutes, type ServiceName } from '@smart-expertise/contracts';
import { buildServices } from './build.mjs';
import { startGateway } from './gateway.ts';
import { withServiceRoles } from './local-db-roles.ts';
import { localIntegrationsEnv } from './local-env.ts';
import { localKafkaAdminOf, provisionKafka, serviceKafkaEnv } from './kafka-users.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function freePort(preferred = 0): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(freePort(0)));
    server.listen(preferred, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

export interface PlatformOptions {
  /**
   * DATABASE_URL, KAFKA_BROKERS, JWT_SECRET and anything else every service gets, but for the
   * stack's superusers (DATABASE_URL's, and the broker's in KAFKA_SASL_*): the launcher keeps them
   * and gives each service its own PostgreSQL role and Kafka user instead.
   */
  env: Record<string, string>;
  /** Per-service extra environment (e.g. a faster cron for the scheduler). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  logDir: string;
  /** Preferred ports: the well-known ones for npm start, any free one for tests. */
  preferredPorts?: boolean;
  gatewayPort?: number;
  readyTimeoutMs?: number;
}

export interface Platform {
  url: string;
  upstreams: Record<ServiceName, string>;
  processes: Map<ServiceName, ChildProcess>;
  /** Restarts one service process (fault tests). */
  restart(name: ServiceName): Promise<void>;
  /** Sends a signal to one service process and resolves once it exited (fault tests). */
  kill(name: ServiceName, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Starts a service whose process exited (after `kill`) on the same port; resolves once it is ready. */
  start(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * How node runs a service, here and in the image (the Dockerfile's CMD, checked by tests/ops):
 * stack traces map back to the TypeScript sources, and V8 grows its heap by a fifth after each full
 * collection instead of up to four times when the service allocates fast (a storm of deposits or
 * expiries), which took the peak RSS of a sweep from 272 to 171 MB for about 3 % more of
 * mission-intake's CPU in collections (docs/benchmarks.md, settings that mattered). It sizes the
 * heap; it caps nothing.
 */
export const NODE_FLAGS = ['--enable-source-maps', '--heap-growing-percent=20'] as const;

/** The local stand-ins of what Kubernetes gives a service besides the common variables; the caller's environment wins over them. */
export function localServiceDefaults(name: ServiceName): Record<string, string> {
  return name === 'integrations' ? localIntegrationsEnv() : {};
}

/** The command line that runs one service's bundle. */
export function serviceCommand(name: ServiceName): string[] {
  return [...NODE_FLAGS, join(root, 'services', name, 'dist', 'main.js')];
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  // --- PostgreSQL roles (scripts/local-db-roles.ts) ---
  // Each service connects as its own role, owner of its schema only, as in Kubernetes: `env` has
  // the stack superuser's DATABASE_URL, which only the caller keeps (the tests' and the bench's
  // reads across schemas); each service is given its role's (its own in `serviceEnv` still wins).
  options = { ...options, serviceEnv: await withServiceRoles(options.env, options.serviceEnv) };
  // --- end of PostgreSQL roles ---
  mkdirSync(options.logDir, { recursive: true });
  // Bundles the current sources (well under a second); restarts reuse these bundles.
  await buildServices(root, [...SERVICE_NAMES]);
  const processes = new Map<ServiceName, ChildProcess>();
  const upstreams = {} as Record<ServiceName, string>;
  const ports = {} as Record<ServiceName, number>;
  let stopping = false;
  // On the local broker (the stack's superuser in the environment), each service connects as its
  // own user with its ACLs, as in Kubernetes; the superuser makes the topics first.
  const kafkaAdmin = localKafkaAdminOf(options.env);
  if (kafkaAdmin) {
    await provisionKafka({
      brokers: options.env.KAFKA_BROKERS!.split(','),
      admin: kafkaAdmin,
      prefix: options.env.KAFKA_TOPIC_PREFIX ?? '',
      services: SERVICE_NAMES,
      partitions: Number(options.env.KAFKA_TOPIC_PARTITIONS ?? PARTITIONS_DEFAULT),
    });
  }

  function launch(name: ServiceName): ChildProcess {
    const log = createWriteStream(join(options.logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, serviceCommand(name), {
      cwd: join(root, 'services', name),
      env: {
        ...process.env,
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        ...localServiceDefaults(name),
        ...options.env,
        ...(kafkaAdmin ? serviceKafkaEnv(kafkaAdmin, name) : {}),
        ...options.serviceEnv?.[name],
        PORT: String(ports[name]),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Out of the terminal's process group: Ctrl-C reaches the launcher, which drains them in order.
      detached: true,
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.on('exit', (code, signal) => {
      if (!stopping && processes.get(name) === child) console.error(`${name} exited (${signal ?? code}); see ${join(options.logDir, `${name}.log`)}`);
    });
    processes.set(name, child);
    return child;
  }

  async function stopProcess(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    });
  }

  for (const name of SERVICE_NAMES) {
    ports[name] = await freePort(options.preferredPorts ? ServiceRoutes[name].port : 0);
    upstreams[name] = `http://127.0.0.1:${ports[name]}`;
    launch(name);
  }
  const failed: ServiceName[] = [];
  await Promise.all(
    SERVICE_NAMES.map(async (name) => {
      if (!(await waitReady(upstreams[name], processes.get(name)!, options.readyTimeoutMs ?? 90_000))) failed.push(name);
    }),
  );
  if (failed.length > 0) {
    stopping = true;
    await Promise.all([...processes.values()].map(stopProcess));
    throw new Error(`${failed.join(', ')} did not become ready; see the logs in ${options.logDir}`);
  }
  const gateway = await startGateway({ port: options.gatewayPort ?? (await freePort(0)), upstreams });

  return {
    url: gateway.url,
    upstreams,
    processes,
    async restart(name) {
      const old = processes.get(name)!;
      processes.delete(name);
      await stopProcess(old);
      const child = launch(name);
      if (!(await waitReady(upstreams[name], child, options.readyTimeoutMs ?? 90_000))) throw new Error(`${name} did not come back`);
    },
    async kill(name, signal) {
      const child = processes.get(name)!;
      if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
      processes.delete(name);
      return new Promise((resolve) => {
        child.once('exit', (code, sig) => resolve({ code, signal: sig }));
        child.kill(signal);
      });
    },
    async start(name) {
      const old = processes.get(name);
      if (old && old.exitCode === null && old.signalCode === null) throw new Error(`${name} is still running`);
      const child = launch(name);
      if (!(await waitReady(upstreams[name], child, options.readyTimeoutMs ?? 90_000))) throw new Error(`${name} did not come back`);
    },
    async stop() {
      stopping = true;
      await Promise.all([...processes.values()].map(stopProcess));
      await gateway.close();
    },
  };
}
