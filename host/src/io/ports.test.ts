import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import {
  choosePort,
  formatTable,
  identifyPort,
  listSerialPorts,
  listSysfsPorts,
  loadUsbIdentities,
  normId,
  portRows,
  rankPorts,
  type SerialPortInfo,
} from './ports.js';
import { findExecutable } from './qemu.js';
import { findRepoRoot } from './repo.js';

// The real table: every board's board.json `usb` entries and boards/usb-probes.json.
const KNOWN = loadUsbIdentities(findRepoRoot());

const microbit: SerialPortInfo = { path: '/dev/ttyACM0', vendorId: '0d28', productId: '0204', manufacturer: 'ARM', product: 'DAPLink CMSIS-DAP' };
const pico: SerialPortInfo = { path: '/dev/ttyACM1', vendorId: '2E8A', productId: '000A', manufacturer: 'Raspberry Pi', product: 'Pico' };
const probe: SerialPortInfo = { path: '/dev/ttyACM2', vendorId: '2e8a', productId: '000c', manufacturer: 'Raspberry Pi', product: 'Debug Probe (CMSIS-DAP)' };
const ftdi: SerialPortInfo = { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', manufacturer: 'FTDI' };
const cp210x: SerialPortInfo = { path: '/dev/ttyUSB1', vendorId: '10C4', productId: 'EA60' };
const ch340: SerialPortInfo = { path: '/dev/ttyUSB2', vendorId: '1a86', productId: '7523' };
const builtin: SerialPortInfo = { path: '/dev/ttyS0' };
const unknownUsb: SerialPortInfo = { path: '/dev/ttyACM9', vendorId: '1234', productId: '5678' };

describe('identifyPort', () => {
  it('names every device of the table, case-insensitively', () => {
    expect(identifyPort(microbit, KNOWN)).toEqual({ kind: 'board', device: expect.stringMatching(/DAPLink/), board: 'microbit' });
    expect(identifyPort(pico, KNOWN)?.board).toBe('rp2040-pico');
    expect(identifyPort({ path: 'x', vendorId: '2e8a', productId: '0005' }, KNOWN)?.board).toBe('rp2040-pico');
    // the firmware's own USB-CDC transport (TRANSPORT=usb), a pid.codes test PID
    expect(identifyPort({ path: 'x', vendorId: '1209', productId: '000C' }, KNOWN)).toMatchObject({ kind: 'board', board: 'rp2040-pico', device: expect.stringMatching(/USB-CDC/) });
    expect(identifyPort(probe, KNOWN)).toMatchObject({ kind: 'probe', board: 'rp2040-pico' });
    for (const p of [ftdi, cp210x, ch340]) {
      const g = identifyPort(p, KNOWN);
      expect(g?.kind).toBe('usb-uart');
      expect(g?.board).toBeUndefined();
    }
  });

  it('knows nothing about ports without USB ids or with other ids', () => {
    expect(identifyPort(builtin, KNOWN)).toBeUndefined();
    expect(identifyPort(unknownUsb, KNOWN)).toBeUndefined();
    expect(identifyPort({ path: 'x', vendorId: 'zz', productId: '0204' }, KNOWN)).toBeUndefined();
  });
});

describe('rankPorts', () => {
  it('puts boards first, then probes, then USB-UARTs, then the rest, by path within a rank', () => {
    const order = rankPorts([builtin, ch340, probe, ftdi, pico, microbit, unknownUsb], KNOWN).map((p) => p.path);
    expect(order).toEqual(['/dev/ttyACM0', '/dev/ttyACM1', '/dev/ttyACM2', '/dev/ttyUSB0', '/dev/ttyUSB2', '/dev/ttyACM9', '/dev/ttyS0']);
  });
});

describe('choosePort', () => {
  it('takes the one recognised port, ignoring unrecognised ones', () => {
    expect(choosePort([builtin, microbit, unknownUsb], KNOWN)).toMatchObject({ port: '/dev/ttyACM0' });
    expect(choosePort([builtin, ftdi], KNOWN)).toMatchObject({ port: '/dev/ttyUSB0' });
  });

  it('with several, takes the single one for the requested board', () => {
    expect(choosePort([microbit, ftdi], KNOWN, 'microbit')).toMatchObject({ port: '/dev/ttyACM0' });
    expect(choosePort([microbit, probe], KNOWN, 'rp2040-pico')).toMatchObject({ port: '/dev/ttyACM2' });
  });

  it('asks for --port, listing the candidates, when it cannot tell', () => {
    const two = choosePort([microbit, ftdi], KNOWN);
    expect(two.port).toBeUndefined();
    expect('message' in two && two.message).toBe(
      'several serial ports could be the board: /dev/ttyACM0 (microbit), /dev/ttyUSB0 (FTDI FT232R USB-UART); choose one with --port <path>',
    );
    const both = choosePort([pico, probe], KNOWN, 'rp2040-pico');
    expect(both.port).toBeUndefined();
    const none = choosePort([builtin, unknownUsb], KNOWN);
    expect('message' in none && none.message).toMatch(/no serial port looks like a tracepipe board \(found \/dev\/ttyACM9, \/dev\/ttyS0\).*--port/);
    const empty = choosePort([], KNOWN);
    expect('message' in empty && empty.message).toMatch(/no serial ports found/);
  });
});

describe('portRows / formatTable', () => {
  it('shows path, VID:PID, manufacturer, product and the probable board', () => {
    const rows = portRows([builtin, microbit, ftdi], KNOWN);
    expect(rows[0]).toEqual(['PATH', 'VID:PID', 'MANUFACTURER', 'PRODUCT', 'PROBABLY']);
    expect(rows[1].slice(0, 4)).toEqual(['/dev/ttyACM0', '0D28:0204', 'ARM', 'DAPLink CMSIS-DAP']);
    expect(rows[1][4]).toMatch(/^microbit: /);
    expect(rows[2][4]).toMatch(/^generic FTDI/);
    expect(rows[3]).toEqual(['/dev/ttyS0', '-', '-', '-', '-']);
    const text = formatTable(rows);
    const l = text.trimEnd().split('\n');
    expect(l).toHaveLength(4);
    expect(l[1].indexOf('0D28:0204')).toBe(l[0].indexOf('VID:PID'));
  });
});

describe('known identities (board.json usb entries and boards/usb-probes.json)', () => {
  it('refuses a malformed usb entry, naming the file and the entry', () => {
    const root = mkdtempSync(join(tmpdir(), 'tp-usb-'));
    trees.push(root);
    for (const d of ['firmware', 'boards/b']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'boards', 'usb-probes.json'), '{"usb": []}');
    writeFileSync(join(root, 'boards', 'b', 'board.json'), '{"name": "b", "usb": [{"vid": "0d28", "pid": "0204", "what": "ok"}, {"vid": "xyz", "pid": "1"}]}');
    expect(() => loadUsbIdentities(root)).toThrow(new CliError('boards/b/board.json: usb[1] needs "vid" and "pid" (4 hex digits), "what", and a kind of board, probe, usb-uart'));
    writeFileSync(join(root, 'boards', 'b', 'board.json'), '{"name": "b", "usb": [{"vid": "0d28", "pid": "0204", "what": "ok"}]}');
    expect(loadUsbIdentities(root)).toEqual([{ vid: '0d28', pid: '0204', kind: 'board', device: 'ok', board: 'b' }]);
  });

  it('name ST-LINK, J-Link and CMSIS-DAP probes as probes for any board', () => {
    const stlink = identifyPort({ path: 'x', vendorId: '0483', productId: '374B' }, KNOWN);
    expect(stlink).toMatchObject({ kind: 'probe', device: expect.stringMatching(/ST-LINK\/V2-1/) });
    expect(stlink?.board).toBeUndefined();
    for (const pid of ['374e', '374f', '3753']) {
      expect(identifyPort({ path: 'x', vendorId: '0483', productId: pid }, KNOWN)?.device).toMatch(/STLINK-V3/);
    }
    for (const pid of ['0105', '1015']) {
      expect(identifyPort({ path: 'x', vendorId: '1366', productId: pid }, KNOWN)).toMatchObject({ kind: 'probe', device: expect.stringMatching(/J-Link/) });
    }
    expect(portRows([{ path: '/dev/ttyACM5', vendorId: '0483', productId: '374b' }], KNOWN)[1][4]).toBe("generic ST-LINK/V2-1 VCP (any board's UART)");
  });

  it("a board's entry wins over the generic table for the same VID:PID", () => {
    // 0d28:0204 is any DAPLink in usb-probes.json and the micro:bit's interface chip in its board.json
    expect(KNOWN.filter((k) => k.vid === '0d28' && k.pid === '0204').map((k) => k.board ?? '-').sort()).toEqual(['-', 'microbit']);
    expect(identifyPort(microbit, KNOWN)?.board).toBe('microbit');
    expect(identifyPort(microbit, KNOWN.filter((k) => k.board === undefined))).toMatchObject({ kind: 'probe', device: expect.stringMatching(/DAPLink/) });
  });
});

// A fake sysfs laid out like the kernel's: /class/tty/<name> are relative symlinks into
// /devices, and each tty's `device` link points at its hardware.
const trees: string[] = [];
afterAll(() => {
  for (const t of trees) rmSync(t, { recursive: true, force: true });
});

function fakeSysfs(): string {
  const root = mkdtempSync(join(tmpdir(), 'tp-sysfs-'));
  trees.push(root);
  const attrs = (dir: string, files: Record<string, string>) => {
    mkdirSync(join(root, dir), { recursive: true });
    for (const [k, v] of Object.entries(files)) writeFileSync(join(root, dir, k), `${v}\n`);
  };
  const link = (at: string, target: string) => {
    mkdirSync(dirname(join(root, at)), { recursive: true });
    symlinkSync(relative(dirname(join(root, at)), join(root, target)), join(root, at));
  };
  const tty = (dir: string, name: string, device?: string) => {
    attrs(`${dir}/tty/${name}`, { uevent: `MAJOR=166\nMINOR=0\nDEVNAME=${name}`, dev: '166:0' });
    if (device) link(`${dir}/tty/${name}/device`, device);
    link(`class/tty/${name}`, `${dir}/tty/${name}`);
  };
  const hub = 'devices/pci0000:00/0000:00:14.0/usb1';
  // the root hub is a USB device too: the walk must stop at the nearest one
  attrs(hub, { idVendor: '1d6b', idProduct: '0002', manufacturer: 'Linux xhci-hcd', product: 'xHCI Host Controller' });
  // CDC-ACM: the tty's device is the interface, whose parent is the USB device
  attrs(`${hub}/1-1`, { idVendor: '0d28', idProduct: '0204', manufacturer: 'ARM', product: 'DAPLink CMSIS-DAP', serial: '990000000001' });
  attrs(`${hub}/1-1/1-1:1.1`, { bInterfaceNumber: '01', bInterfaceClass: '02' });
  tty(`${hub}/1-1/1-1:1.1`, 'ttyACM0', `${hub}/1-1/1-1:1.1`);
  // a probe with two VCPs on interfaces 1 and 3
  attrs(`${hub}/1-3`, { idVendor: '0483', idProduct: '3753', manufacturer: 'STMicroelectronics', product: 'STLINK-V3', serial: '0027003F' });
  attrs(`${hub}/1-3/1-3:1.1`, { bInterfaceNumber: '01' });
  attrs(`${hub}/1-3/1-3:1.3`, { bInterfaceNumber: '03' });
  tty(`${hub}/1-3/1-3:1.1`, 'ttyACM1', `${hub}/1-3/1-3:1.1`);
  tty(`${hub}/1-3/1-3:1.3`, 'ttyACM2', `${hub}/1-3/1-3:1.3`);
  // usb-serial: the tty's device is the usb-serial port node below the interface; no product string
  attrs(`${hub}/1-2`, { idVendor: '0403', idProduct: '6001', manufacturer: 'FTDI', serial: 'A10KZ3X1' });
  attrs(`${hub}/1-2/1-2:1.0`, { bInterfaceNumber: '00' });
  attrs(`${hub}/1-2/1-2:1.0/ttyUSB0`, { port_number: '0' });
  link(`${hub}/1-2/1-2:1.0/ttyUSB0/driver`, 'bus/usb-serial/drivers/ftdi_sio');
  attrs('bus/usb-serial/drivers/ftdi_sio', {});
  tty(`${hub}/1-2/1-2:1.0/ttyUSB0`, 'ttyUSB0', `${hub}/1-2/1-2:1.0/ttyUSB0`);
  // an on-board UART: a PNP device, no USB ancestor
  attrs('devices/pnp0/00:05', { id: 'PNP0501' });
  tty('devices/pnp0/00:05', 'ttyS0', 'devices/pnp0/00:05');
  // virtual consoles, the console, the pty multiplexer and legacy ptys: not serial ports
  for (const v of ['tty', 'tty0', 'tty1', 'tty63', 'console', 'ptmx', 'ttyp0', 'ptyp0']) tty('devices/virtual', v);
  return root;
}

describe('listSysfsPorts (fake sysfs tree)', () => {
  it('reads a CDC-ACM port, a two-VCP probe, a usb-serial converter and an on-board UART; skips virtual ttys', () => {
    const root = fakeSysfs();
    expect(readdirSync(join(root, 'class', 'tty'))).toHaveLength(13);
    expect(listSysfsPorts(root)).toEqual([
      {
        path: '/dev/ttyACM0',
        vendorId: '0d28',
        productId: '0204',
        manufacturer: 'ARM',
        product: 'DAPLink CMSIS-DAP',
        serialNumber: '990000000001',
        usbInterface: 1,
      },
      { path: '/dev/ttyACM1', vendorId: '0483', productId: '3753', manufacturer: 'STMicroelectronics', product: 'STLINK-V3', serialNumber: '0027003F', usbInterface: 1 },
      { path: '/dev/ttyACM2', vendorId: '0483', productId: '3753', manufacturer: 'STMicroelectronics', product: 'STLINK-V3', serialNumber: '0027003F', usbInterface: 3 },
      { path: '/dev/ttyS0' },
      { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', manufacturer: 'FTDI', serialNumber: 'A10KZ3X1', usbInterface: 0 },
    ]);
  });

  it('gives the same table as the binding did, with the product string the binding lacked', () => {
    const rows = portRows(listSysfsPorts(fakeSysfs()), KNOWN);
    expect(rows.map((r) => r.slice(0, 4))).toEqual([
      ['PATH', 'VID:PID', 'MANUFACTURER', 'PRODUCT'],
      ['/dev/ttyACM0', '0D28:0204', 'ARM', 'DAPLink CMSIS-DAP'],
      ['/dev/ttyACM1', '0483:3753', 'STMicroelectronics', 'STLINK-V3'],
      ['/dev/ttyACM2', '0483:3753', 'STMicroelectronics', 'STLINK-V3'],
      ['/dev/ttyUSB0', '0403:6001', 'FTDI', '-'],
      ['/dev/ttyS0', '-', '-', '-'],
    ]);
    expect(rows[1][4]).toMatch(/^microbit: DAPLink/);
    expect(rows[2][4]).toMatch(/^generic STLINK-V3/);
  });
});

describe('listSerialPorts: sysfs first, the binding only without sysfs', () => {
  it('takes sysfs when it is there, without asking the binding', async () => {
    const root = fakeSysfs();
    let asked = false;
    const listing = await listSerialPorts({
      sysfsRoot: root,
      bindingList: async () => {
        asked = true;
        return [];
      },
    });
    expect(asked).toBe(false);
    expect(listing.source).toBe('sysfs');
    expect(listing.ports.map((p) => p.path)).toEqual(['/dev/ttyACM0', '/dev/ttyACM1', '/dev/ttyACM2', '/dev/ttyS0', '/dev/ttyUSB0']);
  });

  it("without sysfs, takes the binding's list with its ids normalised", async () => {
    const listing = await listSerialPorts({
      sysfsRoot: join(tmpdir(), 'tp-no-sysfs-here'),
      bindingList: async () => [{ path: '/dev/cu.usbmodem1', vendorId: '0D28', productId: '204', manufacturer: 'ARM', serialNumber: '99' }],
    });
    expect(listing).toEqual({
      source: 'binding',
      ports: [{ path: '/dev/cu.usbmodem1', vendorId: '0d28', productId: '0204', manufacturer: 'ARM', serialNumber: '99' }],
    });
  });

  // This machine, for real: sysfs when Linux has it; where udevadm exists, the binding (which
  // spawns it) must list the same ports with the same ids; where it does not, the binding fails
  // exactly as issue 14 saw, and only the sysfs path works.
  it('on this machine: the real sysfs and the real binding agree, or the binding needs the missing udevadm', async () => {
    const hasSysfs = existsSync('/sys/class/tty');
    const listing = await listSerialPorts();
    expect(listing.source).toBe(hasSysfs ? 'sysfs' : 'binding');
    for (const p of listing.ports) expect(p.path).toMatch(/^\/dev\//);
    if (hasSysfs) {
      for (const p of listing.ports) expect(readdirSync('/sys/class/tty')).toContain(basename(p.path));
    }
    const viaBinding = listSerialPorts({ sysfsRoot: resolve(tmpdir(), 'tp-no-sysfs-here') });
    if (findExecutable('udevadm') !== undefined) {
      const b = await viaBinding;
      expect(b.source).toBe('binding');
      const key = (ps: SerialPortInfo[]) => ps.map((p) => `${p.path} ${normId(p.vendorId) ?? '-'}:${normId(p.productId) ?? '-'}`).sort();
      expect(key(b.ports)).toEqual(key(listing.ports));
    } else {
      await expect(autoDetect().list()).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringMatching(/udevadm/) });
      await expect(viaBinding).rejects.toThrow(CliError);
      await expect(viaBinding).rejects.toThrow(/needs udevadm, which is not installed/);
    }
  });
});
