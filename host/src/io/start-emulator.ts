// Starts the emulator a board's board.json names (emulator.ts emulatedBoard): QEMU, or rp2040js
// through our runner (io/rp2040/). Both give an instance with the trace link on a pty and the
// firmware's console lines (semihosting, or UART1 on rp2040-pico) through onLine. Kept apart
// from emulator.ts, which qemu.ts imports.
import type { Emulator } from './emulator.js';
import { startQemu, type QemuInstance } from './qemu.js';
import { startRp2040 } from './rp2040/rp2040.js';

export interface EmulatorOptions {
  elf: string;
  /** the firmware's console is copied to this file as it arrives */
  consoleLog?: string;
  onLine?: (line: string) => void;
  /** rp2040js only: TIMER count at reset (µs), and the wrap-test time skip */
  timerPresetUs?: number;
  wrapEveryMs?: number;
}

export function startEmulator(emulator: Emulator, o: EmulatorOptions): Promise<QemuInstance> {
  if (emulator.kind === 'rp2040js') {
    return startRp2040({ elf: o.elf, consoleLog: o.consoleLog, onLine: o.onLine, timerPresetUs: o.timerPresetUs, wrapEveryMs: o.wrapEveryMs });
  }
  return startQemu({ emulator, elf: o.elf, semihostLog: o.consoleLog, onLine: o.onLine });
}
