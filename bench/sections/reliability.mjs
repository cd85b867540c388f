// Container reliability (issue 10 item 4): bench/reliability.mjs mutates real capture files
// and reads them back; it prints one JSON object, which this section stores as it is.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, log, put } from '../harness.mjs';

export const name = 'reliability';
export const about = 'container mutation sweep (bench/reliability.mjs), v1 and v2';

export const SCRIPT = join(ROOT, 'bench', 'reliability.mjs');

export async function run(ctx, results) {
  if (!existsSync(SCRIPT)) {
    put(results, ['reliability'], { notMeasured: 'bench/reliability.mjs is not in this tree' });
    return;
  }
  log('container reliability (bench/reliability.mjs)');
  // the script captures the an385 demo firmware from the default build
  try {
    execFileSync('make', ['-s', 'BOARD=qemu-mps2-an385'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    put(results, ['reliability'], { error: `make BOARD=qemu-mps2-an385 failed: ${`${e.stderr ?? ''}`.trim().split('\n').pop()}` });
    return;
  }
  const r = spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 30 * 60_000 });
  if (r.status !== 0) {
    put(results, ['reliability'], { error: `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ')}` });
    return;
  }
  try {
    put(results, ['reliability'], JSON.parse(r.stdout));
  } catch (e) {
    put(results, ['reliability'], { error: `output is not one JSON object: ${e.message}` });
  }
}
