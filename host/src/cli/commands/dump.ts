// tracepipe dump --port <path> | --board <board> <app.elf>: post-mortem use of a flight recorder.
// Sends CMD_DUMP (SPEC §8: the target stops recording, then sends its ring and a FINAL status
// per core), captures until every core's FINAL status, answers with CMD_STOP, and decodes with
// the same accounting as a live capture. Unlike `capture`, it never sends CMD_START: the ring
// leaves the target as it was when the dump was asked for.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkCapturedBuildId, openElf } from '../elf-option.js';
import { CaptureWriter } from '../../io/capture-writer.js';
import { commandFrame, type CommandName } from '../../io/commands.js';
import type { QemuInstance } from '../../io/qemu.js';
import { emulatedBoard } from '../../io/emulator.js';
import { startEmulator } from '../../io/start-emulator.js';
import { findRepoRoot } from '../../io/repo.js';
import { DEFAULT_BAUD, closePort, openSerialPort, writeAll, type SerialPort } from '../../io/serial.js';
import { CliError, UsageError } from '../errors.js';
import { CliIo } from '../output.js';
import { addFilterOptions, checkFollowOptions, followSink, type FilterOptions } from '../record-filter.js';
import { compareGroundTruth, GroundTruthReader, type GroundTruth } from '../ground-truth.js';
import { LiveDecoder } from '../live-decoder.js';
import { checkBuiltForBoard, refuseExistingCapture } from '../live-run.js';
import { parseBaud, parseSeconds } from '../options.js';
import { statsTable } from '../stats-format.js';
import { VERSION } from '../version.js';

interface DumpOptions extends FilterOptions {
  follow?: boolean;
  elf?: string;
  port?: string;
  board?: string;
  baud: number;
  output: string;
  after?: number;
  timeout: number;
  semihostLog?: string;
  /** from the shared --elf/--force options: also replaces an existing capture at -o */
  force?: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function checkElf(elf: string): string {
  const path = resolve(elf);
  if (!existsSync(path)) throw new CliError(`${elf}: no such file`);
  if (statSync(path).isDirectory()) throw new CliError(`${elf} is a folder, not a firmware ELF`);
  const head = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  // QEMU would load anything else as a raw image and lock the CPU up
  if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 1 || head[5] !== 1 || head.readUInt16LE(18) !== 40) {
    throw new CliError(`${elf} is not a 32-bit ARM ELF (build it with arm-none-eabi-gcc)`);
  }
  return path;
}

export function register(program: Command, io = new CliIo()): void {
  const cmd = program
    .command('dump')
    .description('ask a running target to stop recording and send its ring (CMD_DUMP), then decode it with the same accounting')
    .argument('[app.elf]', 'with --board: firmware ELF to run under QEMU')
    .option('--port <path>', 'serial port of a running target')
    .option('--board <name>', 'run <app.elf> on this QEMU board, then dump it')
    .option('--baud <n>', 'baud rate', parseBaud, DEFAULT_BAUD)
    .option('-o, --output <file>', 'capture file to write', 'dump.tpt')
    .option('--after <seconds>', 'with --board: let the firmware record this long before the dump (default 1)', parseSeconds)
    .option('--timeout <seconds>', 'give up when the FINAL statuses have not come after this long', parseSeconds, 10)
    .option('--semihost-log <file>', "with --board: copy the firmware's semihosting output (ground truth) to this file")
    .option('--follow', "print each decoded record on stdout as it arrives (the text of `decode`; names from --elf, else from <app.elf> with --board); the summary then goes to stderr");
  addFilterOptions(cmd)
    .action(async (elf: string | undefined, opts: DumpOptions) => {
      checkFollowOptions(opts);
      if ((opts.port === undefined) === (opts.board === undefined)) {
        throw new UsageError('dump needs either --port <path> or --board <board> <app.elf>');
      }
      if (opts.port !== undefined && elf !== undefined) throw new UsageError('dump --port takes no firmware file');
      if (opts.board !== undefined && elf === undefined) throw new UsageError('dump --board needs the firmware file <app.elf>');
      if (opts.port !== undefined && opts.after !== undefined) throw new UsageError('--after goes with --board');
      await dump(elf, opts, io);
    });
}

async function dump(elf: string | undefined, o: DumpOptions, io: CliIo): Promise<void> {
  refuseExistingCapture(o.output, o.force);
  const names = await openElf(o, io.warn);
  const follow = o.follow ? followSink(o, names ?? (elf !== undefined ? await openElf({ elf, force: o.force }, io.warn) : undefined), io) : undefined;
  let qemu: QemuInstance | undefined;
  const groundTruth: GroundTruth[] = [];
  const groundTruthReader = new GroundTruthReader();
  let portPath = o.port!;
  if (o.board !== undefined) {
    const root = findRepoRoot();
    const { emulator } = emulatedBoard(root, o.board, 'dump', "use 'tracepipe dump --port <path>' for a real board");
    const path = checkElf(elf!);
    checkBuiltForBoard(root, elf!, o.board);
    qemu = await startEmulator(emulator, {
      elf: path,
      consoleLog: o.semihostLog,
      onLine: (line) => {
        const gt = groundTruthReader.line(line);
        if (gt && gt !== 'done' && gt !== 'partial') groundTruth.push(gt);
      },
    }).catch((err: Error) => {
      throw new CliError(err.message);
    });
    portPath = qemu.ptyPath;
  }

  let port: SerialPort;
  let writer: CaptureWriter;
  try {
    port = await openSerialPort(portPath, o.baud);
  } catch (err) {
    await qemu?.stop();
    throw new CliError((err as Error).message);
  }
  try {
    writer = CaptureWriter.create(o.output, {
      source: qemu ? 'qemu' : 'serial',
      port: portPath,
      baud: o.baud,
      ...(qemu ? { board: o.board, elf: resolve(elf!) } : {}),
      start_time: new Date().toISOString(),
      writer: `tracepipe ${VERSION}`,
    });
  } catch (err) {
    await closePort(port);
    await qemu?.stop();
    throw new CliError((err as Error).message);
  }

  const observer = new LiveDecoder(follow);
  let bytes = 0;
  let lastDataAt = Date.now();
  let failure: Error | undefined;
  port.on('data', (chunk: Buffer) => {
    if (!writer.isOpen) return;
    try {
      const t = writer.data(chunk);
      bytes += chunk.length;
      lastDataAt = Date.now();
      observer.bytes(chunk, t);
    } catch (err) {
      failure ??= err as Error;
    }
  });
  port.on('error', () => {});
  const send = async (name: CommandName) => {
    if (!port.isOpen) return;
    await writeAll(port, commandFrame(name));
    writer.event({ kind: 'command', name });
  };

  let complete = false;
  let cannotDump = false;
  try {
    writer.event({ kind: 'open' });
    if (qemu) await sleep((o.after ?? 1) * 1000);
    observer.flushSent();
    await send('CMD_DUMP');
    const deadline = Date.now() + o.timeout * 1000;
    while (!failure && port.isOpen && Date.now() < deadline && !(qemu?.hasExited() ?? false)) {
      if (observer.flushComplete() && bytes > 0) {
        complete = true;
        break;
      }
      // SPEC §8.1: a NO_FLUSH target only starts transmitting on CMD_DUMP; no FINAL comes
      if (observer.noFlush()) {
        cannotDump = true;
        break;
      }
      await sleep(20);
    }
    // The target has sent everything: tell it so (apps wait for this before they exit). An
    // app that gets it exits, and its emulator's pty can close before the write drains (EIO):
    // the dump is complete either way, so a link that went away here is not a failure.
    if (complete || cannotDump) {
      try {
        await send('CMD_STOP');
      } catch {
        // the close handler and the final read below see whatever the link did
      }
    }
    // read what is still in flight, until the line is quiet
    lastDataAt = Math.max(lastDataAt, Date.now());
    while (port.isOpen && Date.now() - lastDataAt < 300) await sleep(50);
    if (qemu && complete) await Promise.race([qemu.exited, sleep(3000)]);
  } catch (err) {
    failure ??= err as Error;
  } finally {
    writer.close();
    if (port.isOpen) await closePort(port);
    if (qemu && !qemu.hasExited()) await qemu.stop();
  }

  const { stats, header } = observer.finish();
  if (cannotDump && !failure) {
    throw new CliError(
      `the target cannot dump: its HEADER says NO_FLUSH (firmware built with PROFILE=tiny, SPEC §8.1); ` +
        `trace it live with 'tracepipe capture' or 'run' instead (capture ${o.output} holds what was received)`,
    );
  }
  const lines = [`dump: ${o.output} (${bytes} bytes; ${complete ? 'FINAL status from every core' : 'incomplete'})`];
  if (header) {
    lines.push(
      `target: ${header.cores} core(s), ${header.mode} mode, timer ${header.timerHz} Hz/${header.timerBits} bit` +
        (header.buildId ? `, build-id ${header.buildId}` : ''),
    );
  }
  lines.push(...(stats.length > 0 ? statsTable(stats) : ['no trace data decoded']));
  if (observer.notices.size > 0) {
    lines.push(`frames discarded: ${[...observer.notices.entries()].map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  let truthMatches = true;
  if (groundTruth.length > 0) {
    const cmp = compareGroundTruth(groundTruth, stats);
    truthMatches = cmp.match;
    lines.push(...cmp.lines.map((x) => `ground truth ${x}`));
  }
  (follow ? io.stderr : io.stdout).write(`${lines.join('\n')}\n`);
  checkCapturedBuildId(names, header, o.output);
  if (!truthMatches) io.status("warning: the host's accounting differs from the firmware's ground truth");
  if (failure) throw new CliError(`${failure.message} (capture ${o.output} holds everything received)`);
  if (!complete) {
    throw new CliError(
      `the target did not finish the dump within ${o.timeout} s (no FINAL status from every core; ` +
        `capture ${o.output} holds everything received)`,
    );
  }
}
