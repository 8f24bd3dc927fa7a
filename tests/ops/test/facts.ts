/**
 * What the services actually read and serve, taken from their sources, so that the manifests and
 * docker-compose.yml are checked against the code and not against a copy of it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceRoutes, SERVICE_NAMES, type ServiceName } from '../../../libs/contracts/src/routing.ts';
import { ALL_TOPICS, PARTITIONS_DEFAULT, Topics } from '../../../libs/contracts/src/topics.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * ../shared/k8s-crds beside the checkout; from a linked git worktree (elsewhere on disk), beside
 * the main checkout that owns the repository.
 */
export const CRD_DIR = (() => {
  const beside = resolve(ROOT, '../shared/k8s-crds');
  if (existsSync(beside)) return beside;
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const main = resolve(dirname(common), '../shared/k8s-crds');
    if (existsSync(main)) return main;
  } catch {
    // not a git checkout: fall through
  }
  return beside;
})();
/** CRDs the repository carries itself (Gateway API, CNPG Database, Barman Cloud, KEDA): tests/ops/crds. */
export const LOCAL_CRD_DIR = resolve(ROOT, 'tests/ops/crds');

export { ServiceRoutes, SERVICE_NAMES, ALL_TOPICS, PARTITIONS_DEFAULT, Topics, type ServiceName };

/** Paths every service serves (libs/service-runtime/src/app/health.ts, app/metrics.ts, app/docs.ts). */
export const PATHS = { live: '/health/live', ready: '/health/ready', metrics: '/metrics' } as const;

export type EnvKind = 'integer' | 'number' | 'boolean' | 'string' | 'union';
export interface EnvVar {
  name: string;
  kind: EnvKind;
  optional: boolean;
  hasDefault: boolean;
}

/**
 * The keys of the first `Type.Object({...})` in a config module: two-space-indented
 * `NAME: Type.X(...)` lines, as every config.ts in this repo writes them.
 */
export function parseConfigSchema(source: string): EnvVar[] {
  const start = source.indexOf('Type.Object({');
  if (start < 0) return [];
  const body = source.slice(start);
  const end = body.search(/^\}\);/m);
  const block = end < 0 ? body : body.slice(0, end);
  const vars: EnvVar[] = [];
  const lines = block.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^ {2}([A-Z][A-Z0-9_]*): (Type\.Optional\()?Type\.(\w+)\(/.exec(lines[i]!);
    if (!m) continue;
    // A declaration may span several lines: read until the next key or the end of the block.
    let decl = lines[i]!;
    for (let j = i + 1; j < lines.length && !/^ {2}[A-Z][A-Z0-9_]*: /.test(lines[j]!); j++) decl += lines[j];
    const t = m[3]!.toLowerCase();
    const kind: EnvKind = t === 'integer' || t === 'number' || t === 'boolean' || t === 'string' ? t : 'union';
    vars.push({ name: m[1]!, kind, optional: Boolean(m[2]), hasDefault: /\bdefault:/.test(decl) });
  }
  return vars;
}

export const baseConfigSource = readFileSync(join(ROOT, 'libs/service-runtime/src/config.ts'), 'utf8');
export const BASE_VARS = parseConfigSchema(baseConfigSource);

/** The variables one service reads: BaseConfig, overridden by its own config.ts, and PORT from main.ts when it sets one. */
export function serviceVars(service: ServiceName): Map<string, EnvVar> {
  const vars = new Map(BASE_VARS.map((v) => [v.name, v]));
  const configFile = join(ROOT, 'services', service, 'src/config.ts');
  if (existsSync(configFile)) for (const v of parseConfigSchema(readFileSync(configFile, 'utf8'))) vars.set(v.name, v);
  const mainFile = join(ROOT, 'services', service, 'src/main.ts');
  if (existsSync(mainFile) && /\{\s*PORT:\s*'\d+',\s*\.\.\.process\.env\s*\}/.test(readFileSync(mainFile, 'utf8'))) {
    vars.set('PORT', { ...vars.get('PORT')!, hasDefault: true });
  }
  return vars;
}

/** Variables without a default that must be set (JWT_SECRET / JWT_JWKS_URL: one of them, checked apart). */
export function requiredVars(service: ServiceName): string[] {
  return [...serviceVars(service).values()].filter((v) => !v.optional && !v.hasDefault).map((v) => v.name);
}

/** A value as env-schema would coerce it, or an error message. */
export function checkValue(v: EnvVar, value: string): string | null {
  if (v.kind === 'integer' && !/^-?\d+$/.test(value)) return `${v.name}=${value} is not an integer`;
  if (v.kind === 'number' && Number.isNaN(Number(value))) return `${v.name}=${value} is not a number`;
  if (v.kind === 'boolean' && !/^(true|false)$/.test(value)) return `${v.name}=${value} is not a boolean`;
  return null;
}

/** The Kafka version the local stack runs (tools/stack/kafka.mjs). */
export const KAFKA_VERSION = /KAFKA_VERSION = '([\d.]+)'/.exec(readFileSync(join(ROOT, 'tools/stack/kafka.mjs'), 'utf8'))![1]!;
/** The Kafka jars the local stack resolves from Maven Central (tools/kafka/pom.xml). */
export const KAFKA_POM_VERSION = /<kafka\.version>([\d.]+)<\/kafka\.version>/.exec(readFileSync(join(ROOT, 'tools/kafka/pom.xml'), 'utf8'))![1]!;

/**
 * The consumer groups and topics in a service's services/<name>/src/events/consumers.ts:
 * `groupId: 'literal'` or `groupId: CONSUMER_GROUP` (a `const CONSUMER_GROUP = '...'` of that file),
 * and `topics: [Topics.x, ...]`.
 */
export function consumedInCode(service: ServiceName): { groups: string[]; topics: string[] } {
  const source = readFileSync(join(ROOT, 'services', service, 'src/events/consumers.ts'), 'utf8');
  const constant = /const CONSUMER_GROUP = '([^']+)'/.exec(source)?.[1];
  const groups = [...source.matchAll(/groupId: (?:'([^']+)'|CONSUMER_GROUP)/g)].map((m) => m[1] ?? constant!);
  const topics = [...source.matchAll(/topics: \[([^\]]*)\]/g)].flatMap((m) =>
    [...m[1]!.matchAll(/Topics\.(\w+)/g)].map((t) => Topics[t[1] as keyof typeof Topics]),
  );
  return { groups: [...new Set(groups)].sort(), topics: [...new Set(topics)].sort() };
}

/** The drain time a service allows itself before exiting (BaseConfig default, in ms). */
export const SHUTDOWN_TIMEOUT_DEFAULT_MS = Number(/SHUTDOWN_TIMEOUT_MS: Type\.Integer\(\{[^}]*default: ([\d_]+)/.exec(baseConfigSource)![1]!.replaceAll('_', ''));

/** Every TypeScript source under libs/ and services/ (no tests), for metric names. */
export function sourceText(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'test') continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(readFileSync(p, 'utf8'));
    }
  };
  walk(join(ROOT, 'libs'));
  walk(join(ROOT, 'services'));
  return out.join('\n');
}

/** The workspaces of the root package.json, expanded (libs/*, services/*). */
export function workspaceDirs(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dirs: string[] = [];
  for (const pattern of pkg.workspaces) {
    if (!pattern.endsWith('/*')) {
      dirs.push(pattern);
      continue;
    }
    const parent = pattern.slice(0, -2);
    for (const e of readdirSync(join(ROOT, parent), { withFileTypes: true })) {
      if (e.isDirectory() && existsSync(join(ROOT, parent, e.name, 'package.json'))) dirs.push(`${parent}/${e.name}`);
    }
  }
  return dirs;
}
