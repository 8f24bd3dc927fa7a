// Re-renders docs/benchmarks.md from a saved run (after editing bench/notes.md, say):
//   node --import tsx bench/src/render.ts [bench/results/full-latest.json]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeReport, type ReportInput } from './report.ts';

const root = join(import.meta.dirname, '..', '..');
const file = process.argv[2] ?? join(root, 'bench', 'results', 'full-latest.json');
const saved = JSON.parse(readFileSync(file, 'utf8')) as Omit<ReportInput, 'root' | 'startedAt'> & { startedAt: string };
console.log(`wrote ${writeReport({ ...saved, root, startedAt: new Date(saved.startedAt) })}`);
