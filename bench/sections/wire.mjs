// Whole target CPU and wire bytes per 2-argument event (bench_wire_small / bench_wire_random),
// and where the whole-CPU instructions go (the plugin's instruction profile, an385 -O2).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, perBuild, put } from '../harness.mjs';
import * as T from '../target.mjs';

export const name = 'wire';
export const about = 'whole-CPU cost and wire bytes of 2-argument events, whole-CPU profile';

const PROFILED = ['qemu-mps2-an385', '-O2'];

/** Per-function counts from the plugin's per-instruction profile, per recorded event. */
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

/**
 * The fewest instructions per wire byte that handing bytes to the board's UART can take, with
 * no loop, CRC, COBS or encoding around it: what the bare register protocol of its transmitter
 * needs (from its driver in boards/<b>/board.mk).
 */
const UART_FLOOR = {
  cmsdk_uart: { insnsPerByte: 5, fifo: 1, counts: 'no TX FIFO: per byte read STATE, test TXFULL and branch (2), load the byte, store DATA' },
  nrf51_uart: { insnsPerByte: 6, fifo: 1, counts: 'no TX FIFO: per byte clear TXDRDY, load the byte, store TXD, read TXDRDY, test and branch (2)' },
  rp2040_uart: { insnsPerByte: 2 + 3 / 32, fifo: 32, counts: '32-byte TX FIFO: per byte load and store DR; per 32 bytes read FR, test TXFE and branch' },
};

export function uartFloor(board) {
  const mk = readFileSync(join(T.ROOT, 'boards', board, 'board.mk'), 'utf8');
  const drivers = /^DRIVERS\s*:?=\s*(.*)$/m.exec(mk)?.[1].split(/\s+/) ?? [];
  const uart = drivers.map((d) => d.replace('$(TRANSPORT)', 'uart')).find((d) => UART_FLOOR[d]);
  return uart ? { driver: uart, ...UART_FLOOR[uart] } : null;
}

/** The drain's instructions per wire byte: whole CPU (poll per 32) less the record, over the wire bytes. */
function drainPerWireByte(x) {
  const rec = Array.isArray(x?.record) ? x.record.find((k) => k.kind === 'event2')?.insnsPerEvent : null;
  const per = (w) => (rec == null || !w || w.error || !w.wholeCpuBatchedInsnsPerEvent ? null : (w.wholeCpuBatchedInsnsPerEvent - rec) / w.wireBytesPerEvent);
  return { small: per(x?.wireSmall), random: per(x?.wireRandom), recordInsns: rec ?? null };
}

export async function run(ctx, results) {
  await perBuild(results, 'wireSmall', (board, opt) => T.wireCost(board, opt, false));
  await perBuild(results, 'wireRandom', (board, opt) => T.wireCost(board, opt, true));
  await perBuild(results, 'wireSmall', (board, opt) => T.wireCost(board, opt, false, 'tiny'), { profile: 'tiny' });
  await perBuild(results, 'wireRandom', (board, opt) => T.wireCost(board, opt, true, 'tiny'), { profile: 'tiny' });
  for (const [board, b] of Object.entries(results.target?.boards ?? {})) {
    if (b.missing) continue;
    put(results, ['target', 'boards', board, 'uartFloor'], uartFloor(board));
    for (const x of Object.values(b.opt ?? {})) if (x.wireSmall) x.drainPerWireByte = drainPerWireByte(x);
  }
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
