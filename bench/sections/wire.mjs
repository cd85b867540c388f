// Whole target CPU and wire bytes per 2-argument event (bench_wire_small / bench_wire_random),
// and where the whole-CPU instructions go (the plugin's block profile, an385 -O2).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, perBuild, put } from '../harness.mjs';
import * as T from '../target.mjs';

export const name = 'wire';
export const about = 'whole-CPU cost and wire bytes of 2-argument events, whole-CPU profile';

const PROFILED = ['qemu-mps2-an385', '-O2'];

/** Per-function counts from the plugin's translation-block profile, per recorded event. */
async function wholeCpuProfile(ctx, board, opt, plugin) {
  const elf = T.elfPath(board, opt, 'bench_wire_small');
  const prof = join(ctx.work, `prof-${board}${opt}.txt`);
  const { console: text } = await T.runQemu(board, elf, { extra: ['-plugin', `${plugin},out=${join(ctx.work, 'prof-masked.txt')},prof=${prof}`] });
  const [w] = T.parseLines(text, 'wire');
  const events = w.n * (w.batched === undefined ? 1 : 2); // both passes record the same n events
  const rows = readFileSync(prof, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
  const names = execFileSync('arm-none-eabi-addr2line', ['-f', '-e', elf, ...rows.map((r) => `0x${r[0].toString(16)}`)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  }).split('\n').filter((_, i) => i % 2 === 0);
  const by = new Map();
  rows.forEach((r, i) => by.set(names[i], (by.get(names[i]) ?? 0) + r[1] * r[2]));
  const total = [...by.values()].reduce((a, b) => a + b, 0);
  const top = [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)
    .map(([fn, n]) => ({ fn, insnsPerEvent: n / events, share: n / total }));
  return { board, opt, app: 'bench_wire_small', events, totalInsns: total, top };
}

export async function run(ctx, results) {
  await perBuild(results, 'wireSmall', (board, opt) => T.wireCost(board, opt, false));
  await perBuild(results, 'wireRandom', (board, opt) => T.wireCost(board, opt, true));
  await perBuild(results, 'wireSmall', (board, opt) => T.wireCost(board, opt, false, 'tiny'), { profile: 'tiny' });
  await perBuild(results, 'wireRandom', (board, opt) => T.wireCost(board, opt, true, 'tiny'), { profile: 'tiny' });
  const plugin = ctx.plugin();
  const [board, opt] = PROFILED;
  const built = results.target?.boards?.[board]?.opt?.[opt]?.wireSmall;
  if (!plugin || !built || built.error) {
    put(results, ['target', 'wholeCpuProfile'], { error: plugin ? `${board} ${opt} did not build or run` : 'no TCG plugin' });
    return;
  }
  log(`${board} ${opt} whole-CPU profile`);
  try {
    put(results, ['target', 'wholeCpuProfile'], await wholeCpuProfile(ctx, board, opt, plugin));
  } catch (e) {
    put(results, ['target', 'wholeCpuProfile'], { error: e.message });
  }
}
