// Flash and RAM of the tracer at -Os (what a size-conscious user builds), from the linker map
// and the ELF; no emulator.
import { BOARDS, boardInfo, ensureBuilt, put, tinyNotForBoard } from '../harness.mjs';
import * as T from '../target.mjs';

export const name = 'footprint';
export const about = 'flash and RAM at -Os (linker map, nm, DWARF)';

const OPT = '-Os';

export async function run(ctx, results) {
  const boards = results.target?.boards ?? {};
  for (const board of BOARDS) {
    if (!boardInfo(results, board)) continue;
    const path = ['target', 'boards', board, 'footprint'];
    const err = ensureBuilt(board, OPT);
    if (err) { put(results, path, { error: err }); continue; }
    try {
      const elf = T.elfPath(board, OPT, 'bench_wire_small');
      const chan = T.symbolSize(elf, 'tp_chan');
      put(results, path, {
        typical: T.footprint(board, OPT, 'bench_wire_small'),
        allKinds: T.footprint(board, OPT, 'bench_wire_kinds'),
        writerStatePerCore: chan === null ? null : chan / boards[board].cores,
        drainStatePerCore: T.structSize(elf, 'tp_drain_chan'),
        drainStateTotal: T.symbolSize(elf, 'd'),
        globalState: T.symbolSize(elf, 'tp_g'),
        packetHeaderInRing: T.structSize(elf, 'tp_pkt'),
        crcTable: T.symbolSize(elf, 'tp_crc_table'), // 1024 B (256 entries) or 64 B (TP_CRC_TABLE=16)
      });
    } catch (e) {
      put(results, path, { error: e.message });
    }
    // The tiny profile (PROFILE=tiny, PORTING.md): the same app, the same accounting of objects.
    const tinyPath = ['target', 'boards', board, 'footprintTiny'];
    const tinyErr = tinyNotForBoard(board, 'tiny') ?? ensureBuilt(board, OPT, 'tiny');
    if (tinyErr) { put(results, tinyPath, { error: tinyErr }); continue; }
    try {
      const elf = T.elfPath(board, OPT, 'bench_wire_small', 'tiny');
      const chan = T.symbolSize(elf, 'tp_chan');
      put(results, tinyPath, {
        typical: T.footprint(board, OPT, 'bench_wire_small', 'tiny'),
        writerStatePerCore: chan === null ? null : chan / boards[board].cores,
        drainStateTotal: T.symbolSize(elf, 'd'),
        globalState: T.symbolSize(elf, 'tp_g'),
      });
    } catch (e) {
      put(results, tinyPath, { error: e.message });
    }
  }
  // The drain keeps more per-core words than tp_drain_chan (e.g. a flush target); the growth
  // of the whole drain state from the 1-core an385 build to the 2-core an521 build measures it.
  const one = boards['qemu-mps2-an385'];
  const two = boards['qemu-mps2-an521'];
  const a = one?.footprint;
  const c = two?.footprint;
  const perCoreDrain = a?.drainStateTotal && c?.drainStateTotal
    ? (c.drainStateTotal - a.drainStateTotal) / (two.cores - one.cores)
    : undefined;
  for (const board of BOARDS) {
    const f = boards[board]?.footprint;
    if (!f || f.error) continue;
    if (perCoreDrain !== undefined) f.drainStatePerCoreMeasured = perCoreDrain;
    f.ramPerCore = (f.writerStatePerCore ?? 0) + (f.drainStatePerCoreMeasured ?? (f.drainStatePerCore ?? 0) + 4);
  }
}
