// Record cost: apps/bench_record under QEMU -icount, every kind, every board and -O2/-Os.
import { perBuild } from '../harness.mjs';
import * as T from '../target.mjs';

export const name = 'record';
export const about = 'record cost per kind (QEMU -icount)';

export async function run(ctx, results) {
  await perBuild(results, 'record', (board, opt) => T.recordCost(board, opt));
  await perBuild(results, 'record', (board, opt) => T.recordCost(board, opt, 'tiny'), { profile: 'tiny' });
}
