// rp2040-pico under rp2040js, over USB-CDC (issue 15): the firmware built with TRANSPORT=usb
// (firmware/drivers/rp2040_usb) enumerates to the runner's strict model host
// (host/src/io/rp2040/usb-host.ts: Linux's order, every toggle, ZLP, status stage and
// descriptor checked; any violation stops the run with status 3), whose bulk IN bytes reach
// `tracepipe run` through the same real pty as the UART's. The host's misbehaviour comes from
// TRACEPIPE_RP2040_USB_FAULTS. Sized to the emulator: 2 x 10^4 events, 80 overload bursts.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, artifactDir, cli, type CliResult } from '../e2e/helpers.js';
import { expectHostEqualsFirmware } from '../helpers/ground-truth.js';
import { expectCleanPayloads, expectDumpAgrees, expectMulticore, expectOverloadPayloads } from './rp2040-checks.js';

const BOARD = 'rp2040-pico';
const USB_BUILD = 'build/rp2040-pico-usb';
const SMALL_BUILD = 'build/rp2040-pico-usb-small';
const EVENTS = 20_000;
const BURSTS = 80;

interface Run {
  run: CliResult;
  capture: string;
  log: string;
  text: string;
}

beforeAll(() => {
  const make = (args: string[]) => execFileSync('make', ['-s', `BOARD=${BOARD}`, 'TRANSPORT=usb', ...args], { cwd: ROOT, stdio: 'pipe' });
  make([`${USB_BUILD}/flight_recorder.elf`]);
  make([
    `BUILD=${SMALL_BUILD}`,
    `BOARD_CFLAGS=-DE2E_EVENTS=${EVENTS}u -DMC_EVENTS=${EVENTS}u -DBURSTS=${BURSTS}u -DTICK_PERIOD=2000u`,
    ...['e2e_clean', 'e2e_overload', 'multicore_discard'].map((a) => `${SMALL_BUILD}/${a}.elf`),
  ]);
}, 120_000);

async function runApp(name: string, app: string, faults = ''): Promise<Run> {
  const dir = artifactDir(`rp2040-usb-${name}`);
  const capture = join(dir, `${name}.tpt`);
  const log = join(dir, 'console.log');
  const run = await cli(['run', '--board', BOARD, join(ROOT, SMALL_BUILD, `${app}.elf`), '-o', capture, '--semihost-log', log], {
    timeoutMs: 90_000,
    env: { TRACEPIPE_RP2040_USB_FAULTS: faults },
  });
  return { run, capture, log, text: readFileSync(log, 'utf8') };
}

/** The run ended as the firmware chose, and the strict host found nothing wrong. */
function expectCleanUsbExit(r: Run): void {
  expect(r.text).not.toMatch(/usb host:/);
  expect(r.run.code, r.run.stderr).toBe(0);
  expect(r.run.stdout).toMatch(/stopped: firmware exited/);
  expect(r.run.stderr).not.toMatch(/tracepipe: (?!warning|rp2040js)/);
  expect(r.text).toMatch(/^rp2040js: usb: enumerated 1209:000c "tracepipe" "tracepipe rp2040-pico \(CDC-ACM\)" serial [0-9A-F]{16}, CDC-ACM bulk IN 0x81 OUT 0x2$/m);
}

function usbSummary(text: string): { control: number; stalls: number; ep0Zlps: number; resets: number; inPackets: number; inBytes: number } {
  const m = /usb: (\d+) control transfers \((\d+) STALL, (\d+) ZLP\), (\d+) bus resets, bulk IN (\d+) packets (\d+) bytes/.exec(text);
  if (!m) throw new Error(`no usb summary line in\n${text.slice(-2000)}`);
  const [control, stalls, ep0Zlps, resets, inPackets, inBytes] = m.slice(1).map(Number);
  return { control, stalls, ep0Zlps, resets, inPackets, inBytes };
}

describe('rp2040-pico USB-CDC under rp2040js: clean run, after bad requests and a suspend', () => {
  let r: Run;
  beforeAll(async () => {
    r = await runApp('clean', 'e2e_clean', 'bad-requests,suspend-at=5');
  }, 120_000);

  it('enumerates strictly; every bad request gets a STALL and the device goes on answering', () => {
    expectCleanUsbExit(r);
    const s = usbSummary(r.text);
    // 14 bad requests and the device qualifier, each refused; nothing else
    expect(r.text).toMatch(/usb: 14 bad requests refused with STALL/);
    expect(s.stalls).toBe(15);
    // the 64-byte product string, asked with wLength 255, ends its data stage with a ZLP
    expect(s.ep0Zlps).toBe(1);
    expect(s.resets).toBe(2);
    expect(r.text).toMatch(/usb: bus suspended 5 ms, resumed/);
    // the serial number is the build-id the HEADER carries
    const id = /build-id ([0-9a-f]+)/.exec(r.run.stdout)![1];
    expect(r.text).toContain(`serial ${id.slice(0, 16).toUpperCase()},`);
    // every bulk IN byte is a capture byte: the host dropped nothing on the way to the pty
    expect(r.run.stdout).toContain(`(${s.inBytes} bytes in`);
  });

  it('exact payloads in order, time non-decreasing, identity true, every loss 0, ground truth equal', async () => {
    const host = await expectHostEqualsFirmware(r.log, r.capture);
    expect(host).toMatchObject({ generated: EVENTS, decoded: EVENTS, dropped: 0, overwritten: 0, link_lost: 0 });
    await expectCleanPayloads(r.capture, EVENTS);
  });
});

describe('rp2040-pico USB-CDC under rp2040js: overload while the host stops reading', () => {
  it("the ring fills and what it costs is counted: the firmware's ground truth equals the host's exactly", async () => {
    const r = await runApp('overload', 'e2e_overload', 'nak-in=20:80');
    expectCleanUsbExit(r);
    expect(r.text).toMatch(/usb: the host stops reading bulk IN for 60 ms/);
    const host = await expectHostEqualsFirmware(r.log, r.capture);
    expect(host.generated).toBe(BURSTS * 64);
    expect(host.dropped).toBeGreaterThan(0);
    expect(host.decoded).toBeGreaterThan(0);
    expect(host.link_lost).toBe(0);
    await expectOverloadPayloads(r.capture);
  }, 120_000);
});

describe('rp2040-pico USB-CDC under rp2040js: both cores record at once, and the bus resets mid-stream', () => {
  it('per-core identity and ground truth, no byte lost across the reset; per-core order; merged time non-decreasing', async () => {
    const r = await runApp('multicore', 'multicore_discard', 'reset-at=20');
    expectCleanUsbExit(r);
    const s = usbSummary(r.text);
    expect(s.resets).toBe(3);
    const before = Number(/bus reset mid-stream, after (\d+) bulk IN bytes/.exec(r.text)![1]);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(s.inBytes);
    await expectMulticore(r.text, r.capture, EVENTS);
  }, 120_000);
});

describe('rp2040-pico USB-CDC under rp2040js: flight recorder and tracepipe dump', () => {
  it('dumps the ring; overwritten > 0; ground truth equals the host; every event one the firmware sent', async () => {
    const dir = artifactDir('rp2040-usb-dump');
    const capture = join(dir, 'dump.tpt');
    const log = join(dir, 'console.log');
    const r = await cli(['dump', '--board', BOARD, join(ROOT, USB_BUILD, 'flight_recorder.elf'), '-o', capture, '--semihost-log', log, '--after', '0.5'], {
      timeoutMs: 90_000,
    });
    expect(readFileSync(log, 'utf8')).not.toMatch(/usb host:/);
    await expectDumpAgrees(r, capture, log);
  }, 120_000);
});

describe('rp2040-pico USB-CDC under rp2040js: the model host catches a device that breaks a rule', () => {
  // The same driver built with RP2040_USB_BREAK (one rule broken on purpose, test builds only).
  const cases: [string, number, RegExp][] = [
    ['no ZLP after a 64-byte string', 1, /usb host: GET_DESCRIPTOR\(string 2, 255\): the device started the status stage after 64 of 255 bytes, on a full packet without a ZLP/],
    ['bulk IN toggle never flips', 2, /usb host: bulk IN packet 1 with DATA0, expected DATA1/],
    ['address taken before the status stage', 3, /usb host: the device took address 7 before SET_ADDRESS\(7\)'s status stage was done/],
  ];
  const buildOf = (fault: number) => `build/rp2040-pico-usb-break${fault}`;
  beforeAll(async () => {
    // the three builds side by side: each is the whole firmware again
    await Promise.all(
      cases.map(([, fault]) =>
        promisify(execFile)('make', ['-s', `BOARD=${BOARD}`, 'TRANSPORT=usb', `BUILD=${buildOf(fault)}`, `BOARD_CFLAGS=-DRP2040_USB_BREAK=${fault}`, `${buildOf(fault)}/e2e_clean.elf`], { cwd: ROOT }),
      ),
    );
  }, 120_000);
  for (const [what, fault, msg] of cases) {
    it(what, async () => {
      const build = buildOf(fault);
      const dir = artifactDir(`rp2040-usb-break${fault}`);
      const log = join(dir, 'console.log');
      const r = await cli(['run', '--board', BOARD, join(ROOT, build, 'e2e_clean.elf'), '-o', join(dir, 'x.tpt'), '--semihost-log', log], { timeoutMs: 60_000 });
      expect(readFileSync(log, 'utf8')).toMatch(msg);
      expect(r.code).not.toBe(0);
    }, 90_000);
  }
});
