// The link-fault sweep (issue 3 §3) is a test: it asserts the oracle and writes its figures
// to test-artifacts/faults.{json,md}, which the report carries.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, log, put } from '../harness.mjs';

export const name = 'faults';
export const about = 'link-fault sweep (test/faults/sweep.test.ts)';

export async function run(ctx, results) {
  log('link fault sweep (test/faults/sweep.test.ts)');
  try {
    execFileSync('npx', ['vitest', 'run', 'test/faults/sweep.test.ts'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    put(results, ['faults'], JSON.parse(readFileSync(join(ROOT, 'test-artifacts', 'faults.json'), 'utf8')));
    put(results, ['faultsTable'], readFileSync(join(ROOT, 'test-artifacts', 'faults.md'), 'utf8'));
  } catch (e) {
    put(results, ['faults'], { error: e.message });
    put(results, ['faultsTable'], undefined);
  }
}
