// tracepipe flash --board <name> <app.elf> [--out <file>] [--drive <path>]: put firmware on a
// board the way its board.json says. "qemu" boards are run (as `tracepipe run`); "daplink-hex"
// boards get Intel HEX copied to the MICROBIT drive; "uf2" boards get a UF2 copied to the
// RPI-RP2 drive. --out writes the image to a file instead.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../errors.js';
import { CliIo } from '../output.js';
import { findRepoRoot, loadBoard } from '../../io/repo.js';
import { buildImage, chooseDrive, driveKind, flashMethod, imageFileName, readFirmwareElf, writeImage } from '../../flash/flash.js';
import { checkBuiltForBoard } from '../live-run.js';
import { emulatorRun } from '../../api/capture.js';
import { reportLive, TERMINAL } from './run.js';

interface FlashOptions {
  board: string;
  out?: string;
  drive?: string;
  output: string;
}

export async function flashCommand(elfArg: string, opts: FlashOptions, io = new CliIo()): Promise<void> {
  const root = findRepoRoot();
  // an unknown board is a usage error (exit 2), thrown by loadBoard as such
  const board = loadBoard(root, opts.board);
  const method = flashMethod(board.name, board.raw);
  const elfPath = resolve(elfArg);
  const elf = readFirmwareElf(elfPath);
  checkBuiltForBoard(root, elfArg, board.name);

  if (method === 'qemu') {
    if (opts.out !== undefined || opts.drive !== undefined) {
      throw new CliError(`board ${board.name} runs under QEMU: there is no image to write (drop --out/--drive)`);
    }
    io.status(`${board.name} is emulated: running ${elfArg} under QEMU, capture in ${opts.output}`);
    reportLive(await emulatorRun({ board: board.name, elf: elfPath, output: opts.output, overwrite: true }, TERMINAL), io);
    return;
  }

  const image = buildImage(method, elf, elfArg);
  const what = image.format === 'uf2' ? `${image.units} UF2 blocks` : `${image.units} HEX records`;
  if (opts.out !== undefined) {
    try {
      writeFileSync(resolve(opts.out), image.bytes);
    } catch (err) {
      throw new CliError(`cannot write ${opts.out}: ${(err as Error).message}`);
    }
    io.stdout.write(`wrote ${opts.out}: ${image.bytes.length} bytes, ${what}\n`);
    return;
  }
  const drive = chooseDrive(driveKind(method), board.name, opts.drive);
  const target = join(drive, imageFileName(elfPath, image.format));
  let result;
  try {
    result = writeImage(target, image.bytes);
  } catch (err) {
    throw new CliError(`cannot write ${target}: ${(err as Error).message}`);
  }
  const note = result === 'detached' ? ' (the drive went away as the board restarted)' : '; the board restarts with it';
  io.stdout.write(`copied ${target}: ${image.bytes.length} bytes, ${what}${note}\n`);
}

export function register(program: Command, io = new CliIo()): void {
  program
    .command('flash')
    .description('put firmware on a board as its board.json says: run it (QEMU), or copy HEX/UF2 to its USB drive')
    .argument('<app.elf>', 'firmware ELF built for the board (make BOARD=<name>)')
    .requiredOption('--board <name>', 'board folder under boards/')
    .option('--out <file>', 'write the HEX/UF2 image to this file instead of the drive')
    .option('--drive <path>', 'the mounted MICROBIT or RPI-RP2 drive, when several are mounted')
    .option('-o, --output <file>', 'capture file for QEMU boards', 'trace.tpt')
    .action(async (elf: string, opts: FlashOptions) => {
      await flashCommand(elf, opts, io);
    });
}
