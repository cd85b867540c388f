// The one place that picks the emulator a board runs under (board.json "emulator".kind, or the
// older "qemu" key): QEMU, or rp2040js through our runner (io/rp2040/). Both give an instance
// with the trace link on a pty and the firmware's console lines through onLine.
import { startQemu, type QemuInstance } from './qemu.js';
import type { BoardInfo } from './repo.js';
import { startRp2040 } from './rp2040/rp2040.js';

export interface EmulatorOptions {
  elf: string;
  /** the firmware's console (semihosting, or UART1 on rp2040-pico) is copied to this file */
  consoleLog?: string;
  onLine?: (line: string) => void;
  /** rp2040js only: TIMER count at reset (µs), and the wrap-test time skip */
  timerPresetUs?: number;
  wrapEveryMs?: number;
}

export function emulatorKind(board: BoardInfo): 'qemu' | 'rp2040js' | undefined {
  const kind = (board.raw.emulator as { kind?: unknown } | undefined)?.kind;
  if (kind === 'rp2040js') return 'rp2040js';
  return board.qemuMachine !== undefined ? 'qemu' : undefined;
}

/** What the capture header records as the machine. */
export function emulatorMachine(board: BoardInfo): string | undefined {
  return emulatorKind(board) === 'rp2040js' ? 'rp2040js' : board.qemuMachine;
}

export function startEmulator(board: BoardInfo, o: EmulatorOptions): Promise<QemuInstance> {
  if (emulatorKind(board) === 'rp2040js') {
    return startRp2040({ elf: o.elf, consoleLog: o.consoleLog, onLine: o.onLine, timerPresetUs: o.timerPresetUs, wrapEveryMs: o.wrapEveryMs });
  }
  if (board.qemuMachine === undefined) return Promise.reject(new Error(`board '${board.name}' has no emulator`));
  return startQemu({ machine: board.qemuMachine, elf: o.elf, extraArgs: board.qemuArgs, semihostLog: o.consoleLog, onLine: o.onLine });
}
