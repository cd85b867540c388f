// Serial port discovery: what is plugged in, which tracepipe board each port probably is, and
// which one `capture` should open when no --port is given. Listing goes through
// @serialport/bindings-cpp (the OS binding the capture path uses); recognising and choosing
// are pure functions over the listed records.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';

export interface SerialPortInfo {
  path: string;
  /** lower-case hex, 4 digits, when the port is a USB device */
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
}

/** How sure the guess is: the board's own USB interface, a debug probe wired to the board's
 * UART, or a generic USB-UART cable that could be wired to anything. */
export type GuessKind = 'board' | 'probe' | 'usb-uart';

export interface BoardGuess {
  kind: GuessKind;
  /** what the USB device is */
  device: string;
  /** the tracepipe board it probably is, when the device says so */
  board?: string;
}

interface KnownDevice extends BoardGuess {
  vid: string;
  pid: string;
}

const KNOWN: KnownDevice[] = [
  { vid: '0d28', pid: '0204', kind: 'board', device: 'DAPLink (BBC micro:bit interface chip)', board: 'microbit' },
  { vid: '2e8a', pid: '000a', kind: 'board', device: 'Raspberry Pi RP2040 USB CDC (pico-sdk stdio)', board: 'rp2040-pico' },
  { vid: '2e8a', pid: '0005', kind: 'board', device: 'Raspberry Pi RP2040 USB CDC (MicroPython)', board: 'rp2040-pico' },
  // The Debug Probe's UART leads are meant for a Pico's GP0/GP1, which is where rp2040-pico puts the trace.
  { vid: '2e8a', pid: '000c', kind: 'probe', device: 'Raspberry Pi Debug Probe (CMSIS-DAP + UART)', board: 'rp2040-pico' },
  { vid: '0403', pid: '6001', kind: 'usb-uart', device: 'FTDI FT232R USB-UART' },
  { vid: '10c4', pid: 'ea60', kind: 'usb-uart', device: 'Silicon Labs CP210x USB-UART' },
  { vid: '1a86', pid: '7523', kind: 'usb-uart', device: 'WCH CH340 USB-UART' },
];

const RANK: Record<GuessKind, number> = { board: 3, probe: 2, 'usb-uart': 1 };

function normId(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  const s = id.trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(s) ? s.padStart(4, '0') : undefined;
}

/** What a listed port probably is, from its USB VID:PID; undefined for anything unknown. */
export function identifyPort(p: SerialPortInfo): BoardGuess | undefined {
  const vid = normId(p.vendorId);
  const pid = normId(p.productId);
  const k = KNOWN.find((d) => d.vid === vid && d.pid === pid);
  if (!k) return undefined;
  return { kind: k.kind, device: k.device, ...(k.board ? { board: k.board } : {}) };
}

export interface RankedPort extends SerialPortInfo {
  guess?: BoardGuess;
}

/** Every port with its guess, the likeliest tracepipe boards first, then by path. */
export function rankPorts(ports: SerialPortInfo[]): RankedPort[] {
  const score = (p: RankedPort) => (p.guess ? RANK[p.guess.kind] : 0);
  return ports
    .map((p) => ({ ...p, guess: identifyPort(p) }))
    .sort((a, b) => score(b) - score(a) || a.path.localeCompare(b.path));
}

export type PortChoice = { port: string; reason: string } | { port?: undefined; message: string };

function describe(p: RankedPort): string {
  return p.guess ? `${p.path} (${p.guess.board ?? p.guess.device})` : p.path;
}

/**
 * The port `capture` opens when the user gave none: the single recognised port; with
 * several, the single one that names the requested board. Anything else is a question
 * for the user, answered with --port; the message lists what was found.
 */
export function choosePort(ports: SerialPortInfo[], board?: string): PortChoice {
  const ranked = rankPorts(ports);
  const known = ranked.filter((p) => p.guess !== undefined);
  if (known.length === 1) {
    return { port: known[0].path, reason: `the only recognised port: ${describe(known[0])}` };
  }
  if (known.length > 1 && board !== undefined) {
    const forBoard = known.filter((p) => p.guess?.board === board);
    if (forBoard.length === 1) return { port: forBoard[0].path, reason: `the only port for ${board}: ${describe(forBoard[0])}` };
  }
  if (known.length > 1) {
    return { message: `several serial ports could be the board: ${known.map(describe).join(', ')}; choose one with --port <path>` };
  }
  if (ranked.length > 0) {
    return {
      message: `no serial port looks like a tracepipe board (found ${ranked.map((p) => p.path).join(', ')}); choose one with --port <path>`,
    };
  }
  return { message: 'no serial ports found: plug the board in, or give --port <path>' };
}

/** Table rows for `tracepipe ports` (header first). */
export function portRows(ports: SerialPortInfo[]): string[][] {
  const rows = [['PATH', 'VID:PID', 'MANUFACTURER', 'PRODUCT', 'PROBABLY']];
  for (const p of rankPorts(ports)) {
    const vid = normId(p.vendorId);
    const pid = normId(p.productId);
    let probably = '-';
    if (p.guess) {
      probably = p.guess.board
        ? `${p.guess.board}${p.guess.kind === 'probe' ? ' (through the probe UART)' : ''}: ${p.guess.device}`
        : `generic ${p.guess.device} (any board's UART)`;
    }
    rows.push([
      p.path,
      vid && pid ? `${vid.toUpperCase()}:${pid.toUpperCase()}` : '-',
      p.manufacturer ?? '-',
      p.product ?? '-',
      probably,
    ]);
  }
  return rows;
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

/** The USB product string, which the binding does not report: Linux sysfs, best effort. */
function linuxUsbProduct(path: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const name = basename(path);
  // /sys/class/tty/ttyACM0/device is the USB interface; its parent is the device.
  for (const rel of ['device/../product', 'device/../../product']) {
    try {
      const s = readFileSync(`/sys/class/tty/${name}/${rel}`, 'utf8').trim();
      if (s) return s;
    } catch {
      // not a USB device, or no such attribute
    }
  }
  return undefined;
}

/** Lists serial ports through the OS binding. */
export async function listSerialPorts(): Promise<SerialPortInfo[]> {
  const raw = await autoDetect().list();
  return raw.map((p) => ({
    path: p.path,
    vendorId: p.vendorId,
    productId: p.productId,
    manufacturer: p.manufacturer,
    product: linuxUsbProduct(p.path),
    serialNumber: p.serialNumber,
  }));
}
