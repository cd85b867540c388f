// The rp2040js runner process (bundled as dist/rp2040-runner.cjs; started by rp2040.ts):
//   node dist/rp2040-runner.cjs <app.elf> [--timer-preset-us N] [--wrap-every-ms M]
//                                         [--transport uart|usb] [--usb-faults SPEC]
// The trace link goes to a pty that socat opens; its path is announced on stdout as
// `rp2040js: link pty <path>`. The console (UART1: ground truth, `exit N`) goes to stderr, and
// the process exits with the firmware's exit status once it has printed `exit N`.
// Simulated time is paced to wall time: it never runs ahead of it.
// The link is UART0, or the USB-CDC device driven by the strict model host (usb-host.ts) when
// the ELF was built with TRANSPORT=usb (it defines rp2040_usb_counts) or --transport usb says
// so. --usb-faults (or TRACEPIPE_RP2040_USB_FAULTS, which `tracepipe run` passes on through its
// environment) makes that host misbehave on purpose: see parseUsbFaults.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { elfSymbols, parseElf32 } from '../../core/elf.js';
import { Rp2040Machine, WRAP_US } from './machine.js';
import { uartLink, type LinkPort } from './link.js';
import { UsbHostModel, parseUsbFaults, type UsbFaults } from './usb-host.js';

export const ANNOUNCE = 'rp2040js: link pty ';
/** Longest stretch of CPU time one slice takes before the event loop runs (pty I/O, timers). */
const SLICE_MS = 15;
/** Instructions between checks of the slice's wall time and of a --wrap-every-ms window. */
const CHUNK = 20_000;

export interface RunnerArgs {
  elf: string;
  timerPresetUs?: number;
  /** time-skip for wrap tests: keep only the M ms around each TIMERAWL wrap, skip the rest */
  wrapEveryMs?: number;
  transport?: 'uart' | 'usb';
  usbFaults?: UsbFaults;
}

/** The ELF's transport: the USB driver's counters are in every TRANSPORT=usb image. */
export function elfTransport(elf: Uint8Array): 'uart' | 'usb' {
  return elfSymbols(parseElf32(elf)).some((s) => s.name === 'rp2040_usb_counts') ? 'usb' : 'uart';
}

export function parseRunnerArgs(argv: string[]): RunnerArgs {
  const out: Partial<RunnerArgs> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a non-negative number`);
      return v;
    };
    if (a === '--timer-preset-us') out.timerPresetUs = num();
    else if (a === '--wrap-every-ms') out.wrapEveryMs = num();
    else if (a === '--transport') {
      const t = argv[++i];
      if (t !== 'uart' && t !== 'usb') throw new Error('--transport needs uart or usb');
      out.transport = t;
    } else if (a === '--usb-faults') out.usbFaults = parseUsbFaults(argv[++i] ?? '');
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else if (out.elf === undefined) out.elf = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (out.elf === undefined) throw new Error('usage: rp2040-runner <app.elf> [--timer-preset-us N] [--wrap-every-ms M] [--transport uart|usb] [--usb-faults SPEC]');
  return out as RunnerArgs;
}

function main(): void {
  let args: RunnerArgs;
  let machine: Rp2040Machine;
  let usbHost: UsbHostModel | undefined;
  let link: LinkPort;
  let exitCode: number | undefined;
  let usbFailed = false;
  try {
    args = parseRunnerArgs(process.argv.slice(2));
    const elf = readFileSync(args.elf);
    machine = new Rp2040Machine(elf, {
      timerPresetUs: args.timerPresetUs,
      log: (line) => process.stderr.write(`rp2040js: ${line}\n`),
    });
    const envFaults = process.env.TRACEPIPE_RP2040_USB_FAULTS;
    const faults = args.usbFaults ?? (envFaults ? parseUsbFaults(envFaults) : undefined);
    if ((args.transport ?? elfTransport(elf)) === 'usb') {
      usbHost = new UsbHostModel(machine.mcu, {
        faults,
        log: (line) => process.stderr.write(`rp2040js: ${line}\n`),
        onError: (msg) => {
          process.stderr.write(`rp2040js: usb host: ${msg}\n`);
          usbFailed = true;
          if (exitCode === undefined) exitCode = 3;
        },
      });
      link = usbHost.link;
    } else {
      link = uartLink(machine.mcu, 0);
    }
  } catch (err) {
    process.stderr.write(`rp2040js: ${(err as Error).message}\n`);
    process.exit(2);
  }

  const socat = spawn('socat', ['-d', '-d', 'PTY,raw,echo=0', 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
  socat.on('error', (err) => {
    process.stderr.write(`rp2040js: cannot start socat: ${err.message}\n`);
    process.exit(2);
  });
  let tx: number[] = [];
  link.onData = (bytes) => {
    for (const b of bytes) tx.push(b);
  };
  socat.stdout.on('data', (chunk: Buffer) => link.send(chunk));
  let blocked = false;
  const flushTx = () => {
    if (tx.length === 0) return;
    // A host that stops reading fills the pty, then this pipe: the chip then waits, as QEMU's
    // UART does, so nothing the firmware sent is dropped here.
    if (!socat.stdin.write(Buffer.from(tx))) blocked = true;
    if (usbHost) usbHost.blocked = blocked;
    tx = [];
  };
  socat.stdin.on('drain', () => {
    blocked = false;
    if (usbHost) usbHost.blocked = false;
    setImmediate(slice);
  });
  socat.stdin.on('error', () => {});

  let consoleLine = '';
  (machine.mcu.uart[1] as unknown as { onByte?: (b: number) => void }).onByte = (b) => {
    if (b === 0x0d) return;
    consoleLine += String.fromCharCode(b);
    if (b !== 0x0a) return;
    process.stderr.write(consoleLine);
    const m = /^exit (\d+)\n$/.exec(consoleLine);
    if (m) exitCode = Number(m[1]);
    consoleLine = '';
  };

  const finish = (firmwareCode: number) => {
    flushTx();
    // The pty goes away with socat: first give the host a moment to read the last bytes and to
    // finish the write (and tcdrain) of a command it sent just before the firmware exited.
    const end = () => {
      if (usbHost) {
        usbHost.checkAtExit();
        process.stderr.write(`rp2040js: ${usbHost.summaryLine()}\n`);
      }
      // the strict host's verdict outranks the firmware's own status
      const code = usbFailed ? 3 : firmwareCode;
      process.stderr.write(`rp2040js: stopped at TIMER ${machine.timerUs} us, ${machine.instructions} instructions\n`);
      process.exitCode = code;
      setTimeout(() => {
        socat.kill('SIGTERM');
        setTimeout(() => process.exit(code), 100);
      }, 300);
    };
    if (socat.stdin.writableNeedDrain) socat.stdin.once('drain', end);
    else end();
  };
  process.on('SIGTERM', () => {
    socat.kill('SIGTERM');
    process.exit(143);
  });

  const wallStart = process.hrtime.bigint();
  let simStartNs = machine.clock.nanos;
  let started = false;
  const wrapWindowUs = args.wrapEveryMs !== undefined ? (args.wrapEveryMs * 1000) / 2 : undefined;

  function skipToWrap(): void {
    if (wrapWindowUs === undefined) return;
    const pos = machine.timerUs % WRAP_US;
    if (pos < wrapWindowUs || pos >= WRAP_US - wrapWindowUs) return;
    const delta = WRAP_US - wrapWindowUs - pos;
    machine.advanceTimer(delta);
    simStartNs += delta * 1000; // skipped time is not paced
  }

  function slice(): void {
    if (!started || blocked || exitCode !== undefined) return;
    const t0 = performance.now();
    const wallNs = Number(process.hrtime.bigint() - wallStart);
    const target = simStartNs + wallNs;
    while (machine.clock.nanos < target && exitCode === undefined && !blocked) {
      link.pump();
      machine.run(target, CHUNK);
      skipToWrap();
      if (tx.length > 0) flushTx();
      if (performance.now() - t0 > SLICE_MS) break;
    }
    if (exitCode !== undefined) {
      finish(exitCode);
      return;
    }
    if (blocked) return;
    // Ahead of wall time (or idle): wait; behind it (CPU-bound firmware): carry on at once.
    if (machine.clock.nanos >= target) setTimeout(slice, 1);
    else setImmediate(slice);
  }

  let announced = '';
  socat.stderr.on('data', (chunk: Buffer) => {
    announced += chunk.toString('utf8');
    const m = /PTY is (\S+)/.exec(announced);
    if (!m || started) return;
    started = true;
    process.stdout.write(`${ANNOUNCE}${m[1]}\n`);
    setImmediate(slice);
  });
  socat.on('exit', (code) => {
    if (exitCode === undefined) {
      process.stderr.write(`rp2040js: socat exited (status ${code}) while the firmware ran\n`);
      process.exit(2);
    }
  });
}

main();
