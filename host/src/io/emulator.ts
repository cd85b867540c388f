// Which emulator runs a board, and the one place its command line is built. Everything a board
// contributes comes from the `emulator` key of its board.json:
//   { "kind": "qemu", "machine": "mps2-an385", "args": ["-cpu", "cortex-m3", ...] }
//   { "kind": "rp2040js" }
// The CLI, the tests and the bench all call qemuCommand(), so a board fact is written once.
import { CliError, UsageError } from '../errors.js';
import { listBoards, loadBoard, type BoardInfo } from './repo.js';

export const QEMU_BINARY = process.env.TRACEPIPE_QEMU ?? 'qemu-system-arm';

export interface QemuEmulator {
  kind: 'qemu';
  machine: string;
  /** the board's own QEMU arguments (CPU, semihosting, ...), passed as written */
  args: string[];
}

export interface Rp2040jsEmulator {
  kind: 'rp2040js';
}

export type Emulator = QemuEmulator | Rp2040jsEmulator;

export const EMULATOR_KINDS = ['qemu', 'rp2040js'] as const;

/** Options that say how tracepipe talks to QEMU (the UART back-end, no display or monitor, the
 * firmware to load). They are tracepipe's, not the board's: a board.json that sets one is
 * refused rather than silently dropped, so every board argument that is accepted is used. */
const HOST_OPTIONS = new Set(['-M', '-machine', '-display', '-nographic', '-monitor', '-serial', '-chardev', '-kernel', '-daemonize']);

/**
 * The board's emulator, from board.json; undefined for a board that only runs on hardware
 * (`"emulator": null` or no key). A malformed entry is an error that names the file and key.
 */
export function emulatorFor(board: BoardInfo): Emulator | undefined {
  const where = `boards/${board.name}/board.json`;
  if (board.raw.qemu !== undefined) {
    throw new CliError(`${where}: the "qemu" key was replaced by "emulator": {"kind": "qemu", "machine": ..., "args": [...]}`);
  }
  const e = board.raw.emulator;
  if (e === undefined || e === null) return undefined;
  if (typeof e !== 'object' || Array.isArray(e)) throw new CliError(`${where}: "emulator" must be an object or null`);
  const o = e as Record<string, unknown>;
  if (o.kind === 'rp2040js') return { kind: 'rp2040js' };
  if (o.kind !== 'qemu') {
    throw new CliError(`${where}: emulator kind ${JSON.stringify(o.kind)} is not one tracepipe runs (${EMULATOR_KINDS.join(', ')})`);
  }
  if (typeof o.machine !== 'string' || o.machine === '') throw new CliError(`${where}: emulator.machine must name the QEMU machine (-M)`);
  const args = o.args ?? [];
  if (!Array.isArray(args) || !args.every((a): a is string => typeof a === 'string')) {
    throw new CliError(`${where}: emulator.args must be an array of strings`);
  }
  const own = args.find((a) => HOST_OPTIONS.has(a));
  if (own !== undefined) throw new CliError(`${where}: emulator.args must not set ${own}: tracepipe sets it for each run`);
  return { kind: 'qemu', machine: o.machine, args: [...args] };
}

/** The boards that run under an emulator (of the given kind, or any). */
export function listEmulatedBoards(root: string, kind?: Emulator['kind']): string[] {
  return listBoards(root).filter((name) => {
    try {
      const e = emulatorFor(loadBoard(root, name));
      return e !== undefined && (kind === undefined || e.kind === kind);
    } catch {
      return false;
    }
  });
}

/**
 * The board a command runs under an emulator of any kind (QEMU or rp2040js), loaded and
 * checked: an unknown board, or one with no emulator, is a usage error listing the boards that
 * would do. start-emulator.ts then starts the one the entry names.
 */
export function emulatedBoard(
  root: string,
  name: string,
  command: string,
  realBoardHint = "use 'tracepipe capture --port <path>' for a real board",
): { board: BoardInfo; emulator: Emulator } {
  const valid = listEmulatedBoards(root);
  const board = loadBoard(root, name, { what: command, boards: valid });
  const emulator = emulatorFor(board);
  if (emulator === undefined) {
    throw new UsageError(`board '${name}' runs under no emulator (boards that do: ${valid.join(', ') || '(none)'}); ${realBoardHint}`);
  }
  return { board, emulator };
}

/** What a capture header records as the machine: QEMU's -M, or the emulator's name. */
export function emulatorMachine(emulator: Emulator): string {
  return emulator.kind === 'qemu' ? emulator.machine : emulator.kind;
}

/**
 * The board a command runs under QEMU, loaded and checked: an unknown board, or one without a
 * QEMU machine, is a usage error listing the boards that would do. The returned emulator is
 * the dispatch point: another kind is reported here until the command can drive it.
 */
export function qemuBoard(
  root: string,
  name: string,
  command: string,
  realBoardHint = "use 'tracepipe capture --port <path>' for a real board",
): { board: BoardInfo; emulator: QemuEmulator } {
  const valid = listEmulatedBoards(root, 'qemu');
  const board = loadBoard(root, name, { what: command, boards: valid });
  const emulator = emulatorFor(board);
  if (emulator === undefined) {
    throw new UsageError(`board '${name}' does not run under QEMU (boards that do: ${valid.join(', ') || '(none)'}); ${realBoardHint}`);
  }
  if (emulator.kind !== 'qemu') {
    // The dispatch point for other emulators: rp2040js boards are refused until a runner exists.
    throw new UsageError(`board '${name}' runs under ${emulator.kind}, not QEMU, and '${command}' cannot drive ${emulator.kind} yet (boards that run under QEMU: ${valid.join(', ')})`);
  }
  return { board, emulator };
}

/** Where QEMU puts the board's trace UART (UART0, the first -serial). */
export type UartBackend =
  | { kind: 'pty' }
  | { kind: 'stdio' }
  | { kind: 'file'; path: string }
  /** a TCP server chardev that waits for its first client */
  | { kind: 'tcp-server'; host: string; port: number };

function uartArgs(u: UartBackend): string[] {
  switch (u.kind) {
    case 'pty':
      return ['-serial', 'pty'];
    case 'stdio':
      return ['-serial', 'stdio'];
    case 'file':
      return ['-serial', `file:${u.path}`];
    case 'tcp-server':
      return ['-chardev', `socket,id=tp0,host=${u.host},port=${u.port},server=on,wait=on`, '-serial', 'chardev:tp0'];
  }
}

export interface QemuCommandOptions {
  uart: UartBackend;
  /** per-run arguments on top of the board's (e.g. -icount for a deterministic run) */
  extra?: string[];
}

/** The QEMU command line for an ELF on a board: the machine and arguments of board.json, then
 * tracepipe's own (headless, UART back-end), then the run's extras. */
export function qemuCommand(emulator: QemuEmulator, elf: string, o: QemuCommandOptions): { file: string; args: string[] } {
  return {
    file: QEMU_BINARY,
    args: ['-M', emulator.machine, '-display', 'none', '-monitor', 'none', ...uartArgs(o.uart), ...emulator.args, ...(o.extra ?? []), '-kernel', elf],
  };
}

/** qemuCommand for a board by name: what the test helpers and the bench call. */
export function qemuCommandFor(root: string, boardName: string, elf: string, o: QemuCommandOptions): { file: string; args: string[] } {
  return qemuCommand(qemuBoard(root, boardName, 'QEMU').emulator, elf, o);
}
