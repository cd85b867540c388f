// For the pools' tests: a worker bundle built from the sources as host/build.mjs builds it, so
// the tests run the worker that ships without a prior `npm run build`.
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Builds entry (a file of this folder) into a new temporary folder as file; the caller removes dir. */
export async function buildWorker(prefix: string, entry: string, file: string): Promise<{ dir: string; workerFile: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const workerFile = join(dir, file);
  await build({ entryPoints: [join(import.meta.dirname, entry)], bundle: true, platform: 'node', format: 'cjs', outfile: workerFile, logLevel: 'warning' });
  return { dir, workerFile };
}
