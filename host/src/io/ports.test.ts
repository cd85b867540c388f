import { describe, expect, it } from 'vitest';
import { choosePort, formatTable, identifyPort, listSerialPorts, portRows, rankPorts, type SerialPortInfo } from './ports.js';

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
    expect(identifyPort(microbit)).toEqual({ kind: 'board', device: expect.stringMatching(/DAPLink/), board: 'microbit' });
    expect(identifyPort(pico)?.board).toBe('rp2040-pico');
    expect(identifyPort({ path: 'x', vendorId: '2e8a', productId: '0005' })?.board).toBe('rp2040-pico');
    expect(identifyPort(probe)).toMatchObject({ kind: 'probe', board: 'rp2040-pico' });
    for (const p of [ftdi, cp210x, ch340]) {
      const g = identifyPort(p);
      expect(g?.kind).toBe('usb-uart');
      expect(g?.board).toBeUndefined();
    }
  });

  it('knows nothing about ports without USB ids or with other ids', () => {
    expect(identifyPort(builtin)).toBeUndefined();
    expect(identifyPort(unknownUsb)).toBeUndefined();
    expect(identifyPort({ path: 'x', vendorId: 'zz', productId: '0204' })).toBeUndefined();
  });
});

describe('rankPorts', () => {
  it('puts boards first, then probes, then USB-UARTs, then the rest, by path within a rank', () => {
    const order = rankPorts([builtin, ch340, probe, ftdi, pico, microbit, unknownUsb]).map((p) => p.path);
    expect(order).toEqual(['/dev/ttyACM0', '/dev/ttyACM1', '/dev/ttyACM2', '/dev/ttyUSB0', '/dev/ttyUSB2', '/dev/ttyACM9', '/dev/ttyS0']);
  });
});

describe('choosePort', () => {
  it('takes the one recognised port, ignoring unrecognised ones', () => {
    expect(choosePort([builtin, microbit, unknownUsb])).toMatchObject({ port: '/dev/ttyACM0' });
    expect(choosePort([builtin, ftdi])).toMatchObject({ port: '/dev/ttyUSB0' });
  });

  it('with several, takes the single one for the requested board', () => {
    expect(choosePort([microbit, ftdi], 'microbit')).toMatchObject({ port: '/dev/ttyACM0' });
    expect(choosePort([microbit, probe], 'rp2040-pico')).toMatchObject({ port: '/dev/ttyACM2' });
  });

  it('asks for --port, listing the candidates, when it cannot tell', () => {
    const two = choosePort([microbit, ftdi]);
    expect(two.port).toBeUndefined();
    expect('message' in two && two.message).toBe(
      'several serial ports could be the board: /dev/ttyACM0 (microbit), /dev/ttyUSB0 (FTDI FT232R USB-UART); choose one with --port <path>',
    );
    const both = choosePort([pico, probe], 'rp2040-pico');
    expect(both.port).toBeUndefined();
    const none = choosePort([builtin, unknownUsb]);
    expect('message' in none && none.message).toMatch(/no serial port looks like a tracepipe board \(found \/dev\/ttyACM9, \/dev\/ttyS0\).*--port/);
    const empty = choosePort([]);
    expect('message' in empty && empty.message).toMatch(/no serial ports found/);
  });
});

describe('portRows / formatTable', () => {
  it('shows path, VID:PID, manufacturer, product and the probable board', () => {
    const rows = portRows([builtin, microbit, ftdi]);
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

describe('listSerialPorts (real OS binding)', () => {
  it('returns records with a path each', async () => {
    const ports = await listSerialPorts();
    expect(Array.isArray(ports)).toBe(true);
    for (const p of ports) expect(typeof p.path).toBe('string');
  });
});
