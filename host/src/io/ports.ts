// Serial port discovery: what is plugged in, which tracepipe board each port probably is, and
// which one `capture` should open when no --port is given. Listing reads Linux sysfs, or asks
// @serialport/bindings-cpp where there is no sysfs; recognising and choosing are pure functions
// over the listed records and a table of USB identities (boards' board.json `usb` entries and
// boards/usb-probes.json), so no board is named in this file.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from '../errors.js';
import { listBoards, loadBoard, readBoardsFile } from './repo.js';
import { serialBinding } from './serial.js';

export interface SerialPortInfo {
  path: string;
  /** lower-case hex, 4 digits, when the port is a USB device */
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
  /** the USB interface (bInterfaceNumber) the port belongs to: probes with two UARTs differ only here */
  usbInterface?: number;
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

/** One row of the identity table: a VID:PID and what it says about the port. */
export interface UsbIdentity extends BoardGuess {
  vid: string;
  pid: string;
}

const RANK: Record<GuessKind, number> = { board: 3, probe: 2, 'usb-uart': 1 };

export function normId(id: unknown): string | undefined {
  if (typeof id !== 'string') return undefined;
  const s = id.trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(s) ? s.padStart(4, '0') : undefined;
}

/** What a listed port probably is, from its USB VID:PID; undefined for anything unknown. When a
 * board and the generic table both claim an id (a DAPLink chip is also a generic CMSIS-DAP
 * probe), the board's entry wins: it says more. */
export function identifyPort(p: SerialPortInfo, known: readonly UsbIdentity[]): BoardGuess | undefined {
  const vid = normId(p.vendorId);
  const pid = normId(p.productId);
  const matches = known.filter((d) => d.vid === vid && d.pid === pid);
  const k = matches.find((d) => d.board !== undefined) ?? matches[0];
  if (!k) return undefined;
  return { kind: k.kind, device: k.device, ...(k.board ? { board: k.board } : {}) };
}

export interface RankedPort extends SerialPortInfo {
  guess?: BoardGuess;
}

/** Every port with its guess, the likeliest tracepipe boards first, then by path. */
export function rankPorts(ports: SerialPortInfo[], known: readonly UsbIdentity[]): RankedPort[] {
  const score = (p: RankedPort) => (p.guess ? RANK[p.guess.kind] : 0);
  return ports
    .map((p) => ({ ...p, guess: identifyPort(p, known) }))
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
export function choosePort(ports: SerialPortInfo[], known: readonly UsbIdentity[], board?: string): PortChoice {
  const ranked = rankPorts(ports, known);
  const recognised = ranked.filter((p) => p.guess !== undefined);
  if (recognised.length === 1) {
    return { port: recognised[0].path, reason: `the only recognised port: ${describe(recognised[0])}` };
  }
  if (recognised.length > 1 && board !== undefined) {
    const forBoard = recognised.filter((p) => p.guess?.board === board);
    if (forBoard.length === 1) return { port: forBoard[0].path, reason: `the only port for ${board}: ${describe(forBoard[0])}` };
  }
  if (recognised.length > 1) {
    return { message: `several serial ports could be the board: ${recognised.map(describe).join(', ')}; choose one with --port <path>` };
  }
  if (ranked.length > 0) {
    return {
      message: `no serial port looks like a tracepipe board (found ${ranked.map((p) => p.path).join(', ')}); choose one with --port <path>`,
    };
  }
  return { message: 'no serial ports found: plug the board in, or give --port <path>' };
}

/** The PROBABLY column: what the port is to a tracepipe user. */
export function probablyText(g: BoardGuess | undefined): string {
  if (!g) return '-';
  if (g.board) return `${g.board}${g.kind === 'probe' ? ' (through the probe UART)' : ''}: ${g.device}`;
  return `generic ${g.device} (any board's UART)`;
}

/** Table rows for `tracepipe ports` (header first). */
export function portRows(ports: SerialPortInfo[], known: readonly UsbIdentity[]): string[][] {
  const rows = [['PATH', 'VID:PID', 'MANUFACTURER', 'PRODUCT', 'PROBABLY']];
  for (const p of rankPorts(ports, known)) {
    const vid = normId(p.vendorId);
    const pid = normId(p.productId);
    rows.push([
      p.path,
      vid && pid ? `${vid.toUpperCase()}:${pid.toUpperCase()}` : '-',
      p.manufacturer ?? '-',
      p.product ?? '-',
      probablyText(p.guess),
    ]);
  }
  return rows;
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

// ------------------------------------------------------------------ identities

const KINDS: readonly GuessKind[] = ['board', 'probe', 'usb-uart'];

/** One `usb` list (a board's, or the probe table's) as identities; a bad entry names its file. */
function usbEntries(list: unknown, where: string, board: string | undefined, defaultKind: GuessKind): UsbIdentity[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new CliError(`${where}: "usb" must be a list of {"vid", "pid", "what"}`);
  return list.map((e: Record<string, unknown>, i) => {
    const vid = normId(e?.vid);
    const pid = normId(e?.pid);
    const kind = (e?.kind ?? defaultKind) as GuessKind;
    if (!vid || !pid || typeof e.what !== 'string' || !KINDS.includes(kind)) {
      throw new CliError(`${where}: usb[${i}] needs "vid" and "pid" (4 hex digits), "what", and a kind of ${KINDS.join(', ')}`);
    }
    return { vid, pid, kind, device: e.what, ...(board !== undefined ? { board } : {}) };
  });
}

/** Every USB identity tracepipe knows: each board's board.json `usb` entries (kind "board" unless
 * the entry says "probe": a probe made to be wired to that board), then boards/usb-probes.json,
 * the probes and USB-UART cables that could be wired to any board. */
export function loadUsbIdentities(root: string): UsbIdentity[] {
  const out: UsbIdentity[] = [];
  for (const name of listBoards(root)) {
    out.push(...usbEntries(loadBoard(root, name).raw.usb, `boards/${name}/board.json`, name, 'board'));
  }
  let probes: { usb?: unknown };
  try {
    probes = JSON.parse(readBoardsFile(root, 'usb-probes.json')) as { usb?: unknown };
  } catch (err) {
    throw new CliError(`boards/usb-probes.json: ${(err as Error).message}`);
  }
  out.push(...usbEntries(probes.usb, 'boards/usb-probes.json', undefined, 'probe'));
  return out;
}

// ------------------------------------------------------------------ listing

/** The binding's own filter on device names (bindings-cpp linux-list.js): what it calls a serial
 * port. Virtual consoles (tty0..tty63), console, ptmx and legacy ptys do not match. Kept the
 * same so that both listing paths name the same ports. */
const SERIAL_NAME = /(tty(S|WCH|ACM|USB|AMA|MFD|O|XRUSB)|rfcomm)/;

function readAttr(dir: string, name: string): string | undefined {
  try {
    const s = readFileSync(join(dir, name), 'utf8').trim();
    return s === '' ? undefined : s;
  } catch {
    return undefined;
  }
}

/** The nearest ancestor of dir (itself included), inside root, that has the attribute file. */
function ancestorWith(dir: string, attr: string, root: string): string | undefined {
  for (let d = dir; d.startsWith(root + '/') && d !== root; d = dirname(d)) {
    if (existsSync(join(d, attr))) return d;
  }
  return undefined;
}

/**
 * The serial ports as Linux sysfs describes them, under root (normally /sys; a test points it at
 * a fake tree). For each /sys/class/tty/<name> that the binding would list, the tty's `device`
 * link leads to the hardware: for a CDC-ACM port that is the USB interface, for a usb-serial
 * converter (ttyUSB) a port node below the interface, for an on-board UART a platform or PNP
 * device with no USB ancestor. The interface is the nearest ancestor with bInterfaceNumber and
 * the USB device the nearest with idVendor; udev reads the same files for ID_VENDOR_ID,
 * ID_MODEL_ID, ID_SERIAL_SHORT and the manufacturer string.
 */
export function listSysfsPorts(root = '/sys'): SerialPortInfo[] {
  const realRoot = realpathSync(root);
  const classDir = join(realRoot, 'class', 'tty');
  const out: SerialPortInfo[] = [];
  for (const name of readdirSync(classDir).sort()) {
    if (!SERIAL_NAME.test(name)) continue;
    const ttyDir = join(classDir, name);
    // DEVNAME in uevent is the /dev name udev creates (it can differ from the sysfs name).
    const devname = /^DEVNAME=(.+)$/m.exec(readAttr(ttyDir, 'uevent') ?? '')?.[1] ?? name;
    const port: SerialPortInfo = { path: `/dev/${devname}` };
    let hw: string | undefined;
    try {
      hw = realpathSync(join(ttyDir, 'device'));
    } catch {
      hw = undefined; // a virtual tty: no hardware behind it
    }
    const usbDev = hw && ancestorWith(hw, 'idVendor', realRoot);
    if (hw && usbDev) {
      port.vendorId = normId(readAttr(usbDev, 'idVendor'));
      port.productId = normId(readAttr(usbDev, 'idProduct'));
      const manufacturer = readAttr(usbDev, 'manufacturer');
      const product = readAttr(usbDev, 'product');
      const serial = readAttr(usbDev, 'serial');
      if (manufacturer !== undefined) port.manufacturer = manufacturer;
      if (product !== undefined) port.product = product;
      if (serial !== undefined) port.serialNumber = serial;
      const intf = ancestorWith(hw, 'bInterfaceNumber', realRoot);
      // The interface must sit below the device, not be some other device's.
      const n = intf && intf.startsWith(usbDev + '/') ? Number.parseInt(readAttr(intf, 'bInterfaceNumber') ?? '', 16) : NaN;
      if (Number.isInteger(n)) port.usbInterface = n;
    }
    out.push(port);
  }
  return out;
}

export type PortSource = 'sysfs' | 'binding';

export interface PortListing {
  source: PortSource;
  ports: SerialPortInfo[];
}

export interface ListOptions {
  /** where sysfs is mounted (tests point it at a fake tree, or at nothing to force the binding) */
  sysfsRoot?: string;
  /** the OS binding's list(): injectable so the dispatch is testable without the native module */
  bindingList?: () => Promise<Array<{ path: string; vendorId?: string; productId?: string; manufacturer?: string; serialNumber?: string }>>;
}

/**
 * Lists serial ports. Policy: sysfs first, the binding's list() only where there is no sysfs
 * (macOS, Windows, a Linux without /sys mounted). On Linux the binding's list() spawns
 * `udevadm info -e`, which is missing in most containers and CI runners, and udev itself only
 * copies the same sysfs attributes into its database; sysfs also has the product string, which
 * the binding does not report. The two are not merged: where sysfs exists it is the source the
 * binding's data came from, so merging could only add stale entries.
 */
export async function listSerialPorts(opts: ListOptions = {}): Promise<PortListing> {
  const root = opts.sysfsRoot ?? '/sys';
  if (existsSync(join(root, 'class', 'tty'))) return { source: 'sysfs', ports: listSysfsPorts(root) };
  let raw;
  try {
    raw = await (opts.bindingList ?? (async () => (await serialBinding()).list()))();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' && /udevadm/.test(e.message)) {
      throw new CliError('cannot list serial ports: there is no sysfs here and the serial binding needs udevadm, which is not installed');
    }
    throw new CliError(`cannot list serial ports: ${e.message}`);
  }
  const ports = raw.map((p) => {
    const port: SerialPortInfo = { path: p.path };
    const vid = normId(p.vendorId);
    const pid = normId(p.productId);
    if (vid) port.vendorId = vid;
    if (pid) port.productId = pid;
    if (p.manufacturer) port.manufacturer = p.manufacturer;
    if (p.serialNumber) port.serialNumber = p.serialNumber;
    return port;
  });
  return { source: 'binding', ports };
}
