// rp2040-pico's USB-CDC transport (TRANSPORT=usb) next to its UART: link bytes per event of the
// same app run under rp2040js through `tracepipe run` (the strict model USB host of
// host/src/io/rp2040/usb-host.ts on one side, UART0 on the other), and the flash and RAM of each
// transport at -Os from the linker map. rp2040js is not deterministic as QEMU -icount is, but
// bytes per event depend only on the events, not on timing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, log, put } from '../harness.mjs';
import * as T from '../target.mjs';

export const name = 'rp2040usb';
export const about = 'rp2040-pico under rp2040js: USB-CDC link bytes per event, flash/RAM of the USB transport vs UART';

const BOARD = 'rp2040-pico';
const EVENTS = 10000;
const OPT = '-Os';

function build(transport, dir, targets, cflags = '') {
  execFileSync('make', ['-s', '-j2', `BOARD=${BOARD}`, `TRANSPORT=${transport}`, `OPT=${OPT}`, `BUILD=${dir}`, `BOARD_CFLAGS=${cflags}`, ...targets], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** One e2e_clean run of EVENTS events: link bytes the CLI received, events decoded, the USB host's summary. */
function linkRun(ctx, transport) {
  const dir = join(ROOT, 'build', 'bench', `${BOARD}${OPT}-${transport}-e2e`);
  build(transport, dir, [join(dir, 'e2e_clean.elf')], `-DE2E_EVENTS=${EVENTS}u`);
  const out = mkdtempSync(join(ctx.work, `rp2040-${transport}-`));
  const capture = join(out, 'clean.tpt');
  const consoleLog = join(out, 'console.log');
  const stdout = execFileSync('node', [CLI, 'run', '--board', BOARD, join(dir, 'e2e_clean.elf'), '-o', capture, '--semihost-log', consoleLog], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const bytes = Number(/\((\d+) bytes in/.exec(stdout)?.[1]);
  const totals = /^total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(stdout);
  const [generated, decoded, dropped, overwritten, linkLost] = totals ? totals.slice(1).map(Number) : [];
  const r = { events: decoded, generated, dropped, overwritten, linkLost, linkBytes: bytes, bytesPerEvent: bytes / decoded };
  const text = readFileSync(consoleLog, 'utf8');
  if (/usb host:/.test(text)) throw new Error(`the model USB host failed: ${/usb host: (.*)/.exec(text)[1]}`);
  const m = /bulk IN (\d+) packets (\d+) bytes \((\d+) ZLP\)/.exec(text);
  if (m) Object.assign(r, { inPackets: +m[1], inBytes: +m[2], inZlps: +m[3], bytesPerPacket: +m[2] / (+m[1] - +m[3]) });
  return r;
}

export async function run(ctx, results) {
  const path = ['target', 'rp2040usb'];
  put(results, path, {});
  try {
    for (const transport of ['uart', 'usb']) {
      const dir = join(ROOT, 'build', 'bench', `${BOARD}${OPT}-${transport}`);
      log(`build ${BOARD} ${OPT} TRANSPORT=${transport}`);
      build(transport, dir, [join(dir, 'bench_wire_small.elf')]);
      const f = T.footprint(BOARD, OPT, 'bench_wire_small', dir);
      const driver = `firmware/drivers/rp2040_${transport}`;
      const elf = join(dir, 'bench_wire_small.elf');
      const symbols = transport === 'usb' ? ['u', 'txq', 'rp2040_usb_counts'] : ['tx_taken', 'tx_refused'];
      put(results, [...path, 'footprint', transport], {
        flash: f.flash,
        ram: f.ram,
        transportFlash: Object.entries(f.flashByObject).filter(([k]) => k.startsWith(`${driver}/`)).reduce((n, [, v]) => n + v, 0),
        transportRam: symbols.reduce((n, s) => n + (T.symbolSize(elf, s) ?? 0), 0),
      });
    }
    for (const transport of ['uart', 'usb']) {
      log(`${BOARD} ${transport}: e2e_clean ${EVENTS} events under rp2040js`);
      put(results, [...path, 'link', transport], linkRun(ctx, transport));
    }
  } catch (e) {
    put(results, [...path, 'error'], e.message);
  }
}
