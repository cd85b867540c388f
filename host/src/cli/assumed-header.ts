// `--board <name>` for the offline commands: when a stream's header was lost (issue 10 §6),
// board.json (cores, timer rate and width) and the --elf build id give the facts a header
// carries, and the decoder goes on with them, marking what they cannot prove.
import type { MetadataApplier } from '../core/metadata.js';
import type { StreamHeader } from '../core/types.js';
import { WIRE_VERSION } from '../core/wire-gen.js';
import { findRepoRoot, loadBoard } from '../io/repo.js';
import { UsageError } from './errors.js';

/** `--board` of the offline commands (decode, stats, export, view). */
export const ASSUME_BOARD_OPTION = [
  '--board <name>',
  'if the stream header was lost, decode with one assumed from boards/<name>/board.json (and --elf)',
] as const;

/** The header to assume, from --board and --elf; undefined without --board. */
export function assumedHeader(opts: { board?: string }, elf: MetadataApplier | undefined): StreamHeader | undefined {
  if (!opts.board) return undefined;
  // an unknown board is a usage error, a broken board.json the checkout's (io/repo.ts)
  const raw = loadBoard(findRepoRoot(), opts.board).raw;
  const timer = (raw.timer ?? {}) as { hz?: unknown; bits?: unknown };
  const cores = typeof raw.cores === 'number' ? raw.cores : 1;
  const hz = timer.hz;
  const bits = timer.bits;
  if (typeof hz !== 'number' || hz <= 0 || typeof bits !== 'number' || bits < 8 || bits > 64) {
    throw new UsageError(`boards/${opts.board}/board.json has no usable timer (hz, bits) to assume a header from`);
  }
  return {
    version: WIRE_VERSION, // the firmware writes the current version
    boot: false,
    cores,
    mode: 'discard',
    timerBits: bits,
    timerHz: hz,
    packetSize: 0,
    packets: 0,
    ts: 0n,
    session: 0,
    buildId: elf?.meta.buildId ?? '',
    origin: Array.from({ length: cores }, () => ({ seq: 0, events: 0, dropped: 0, overwritten: 0, rejected: 0 })),
  };
}
