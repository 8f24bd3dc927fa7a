/** Bundles one entry point into one ESM file (third-party packages external) with a linked source map. */
export function bundle(entry: string, outfile: string): Promise<void>;
/** Every service with an entry point: services/<name>/src/main.ts. */
export function serviceNames(root: string): string[];
/** Builds services/<name>/dist/main.js for each named service (all by default). */
export function buildServices(root: string, names?: readonly string[]): Promise<void>;
