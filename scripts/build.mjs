// Bundles each service into one plain JavaScript file, services/<name>/dist/main.js, so that it runs
// under plain node: no TypeScript loader in the process (its worker thread and transforms cost
// memory and start-up time). Run by the platform launcher, the bench and the image build:
//   node scripts/build.mjs [service...]        (all services when none is named)
// Plain JS on purpose: it runs before anything can load TypeScript (the Dockerfile's build stage).
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** The copy of a package node finds from `dir`: the first node_modules/<name> up the tree. */
function installedFrom(dir, specifier) {
  const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', name))) return join(d, 'node_modules', name);
    if (dirname(d) === d) return undefined;
  }
}

/**
 * Third-party packages stay external: node loads them from node_modules at run time, as it does
 * for the sources (some read files next to their own code, e.g. @fastify/swagger-ui's static
 * assets). The workspace packages export .ts sources, which node cannot load: those are bundled.
 * An import is then resolved from the bundle's folder, not its source's: a package npm nested
 * under a workspace (another version than the hoisted one) fails the build instead of being
 * silently swapped.
 */
const externalPackages = (outdir) => ({
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@smart-expertise/')) return undefined;
      const fromSource = installedFrom(args.resolveDir, args.path);
      if (fromSource !== installedFrom(outdir, args.path)) return { errors: [{ text: `${args.path} resolves to ${fromSource} from ${args.importer}, which node would not find from ${outdir}` }] };
      return { path: args.path, external: true };
    });
  },
});

/**
 * Bundles one entry point into one ESM file with a linked source map (run it with
 * --enable-source-maps so that stack traces name the TypeScript sources). Each file is written to
 * a temporary name and renamed, and only when it changed: a process starting from the bundle while
 * another build runs (a test beside a bench) never reads a half-written file. No createRequire
 * banner: only ESM workspace sources are bundled, so esbuild emits no `__require` shim.
 */
export async function bundle(entry, outfile) {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: 'linked',
    plugins: [externalPackages(dirname(outfile))],
    write: false,
    logLevel: 'warning',
  });
  for (const file of result.outputFiles) {
    if (existsSync(file.path) && readFileSync(file.path).equals(file.contents)) continue;
    mkdirSync(dirname(file.path), { recursive: true });
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
}

/** Every service with an entry point: services/<name>/src/main.ts. */
export function serviceNames(root) {
  return readdirSync(join(root, 'services')).filter((name) => existsSync(join(root, 'services', name, 'src', 'main.ts')));
}

/**
 * Builds services/<name>/dist/main.js for each named service (all by default). The bundle stays
 * one level under the service's folder, like src/: `new URL('../migrations', import.meta.url)` in
 * its service.ts points at services/<name>/migrations from either.
 */
export async function buildServices(root, names = serviceNames(root)) {
  await Promise.all(names.map((name) => bundle(join(root, 'services', name, 'src', 'main.ts'), join(root, 'services', name, 'dist', 'main.js'))));
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(here, '..');
  const known = serviceNames(root);
  const names = process.argv.length > 2 ? process.argv.slice(2) : known;
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    console.error(`unknown service ${unknown.join(', ')}; one of ${known.join(', ')}`);
    process.exit(1);
  }
  const started = performance.now();
  try {
    await buildServices(root, names);
  } catch (error) {
    // esbuild has already printed its errors with their source lines.
    if (!Array.isArray(error?.errors)) console.error(error);
    process.exit(1);
  }
  console.log(`built ${names.map((n) => `services/${n}/dist/main.js`).join(', ')} in ${Math.round(performance.now() - started)} ms`);
}
