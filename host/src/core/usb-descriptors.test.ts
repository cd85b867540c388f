import { describe, expect, it } from 'vitest';
import {
  UsbDescriptorError,
  findCdcAcm,
  parseConfigurationDescriptor,
  parseDeviceDescriptor,
  parseLangIds,
  parseStringDescriptor,
} from './usb-descriptors.js';

const device = () => Uint8Array.from([18, 1, 0x00, 0x02, 0xef, 0x02, 0x01, 64, 0x09, 0x12, 0x0c, 0x00, 0x00, 0x01, 1, 2, 3, 1]);

/** A CDC-ACM function with an IAD, built from its parts so a test can break one. */
function config(edit: (parts: number[][]) => void = () => {}): Uint8Array {
  const parts = [
    [9, 2, 0, 0, 2, 1, 0, 0x80, 50],
    [8, 11, 0, 2, 2, 2, 0, 0],
    [9, 4, 0, 0, 1, 2, 2, 0, 0],
    [5, 0x24, 0x00, 0x20, 0x01],
    [5, 0x24, 0x01, 0x00, 1],
    [4, 0x24, 0x02, 0x06],
    [5, 0x24, 0x06, 0, 1],
    [7, 5, 0x83, 3, 16, 0, 16],
    [9, 4, 1, 0, 2, 0x0a, 0, 0, 0],
    [7, 5, 0x02, 2, 64, 0, 0],
    [7, 5, 0x81, 2, 64, 0, 0],
  ];
  edit(parts);
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (parts[0][2] === 0 && parts[0][3] === 0) {
    parts[0][2] = total & 0xff;
    parts[0][3] = total >> 8;
  }
  return Uint8Array.from(parts.flat());
}

function bad(f: () => unknown, msg: RegExp): void {
  expect(f).toThrow(UsbDescriptorError);
  expect(f).toThrow(msg);
}

describe('USB descriptors (USB 2.0 9.6, IAD, CDC PSTN 1.2)', () => {
  it('parses the rp2040-pico CDC-ACM function', () => {
    const dev = parseDeviceDescriptor(device());
    expect(dev).toMatchObject({ idVendor: 0x1209, idProduct: 0x000c, maxPacketSize0: 64, iSerialNumber: 3 });
    const cfg = parseConfigurationDescriptor(config());
    expect(cfg).toMatchObject({ totalLength: 75, numInterfaces: 2, value: 1 });
    expect(findCdcAcm(dev, cfg)).toMatchObject({
      comm: 0,
      data: 1,
      notify: { address: 0x83, type: 3, maxPacketSize: 16 },
      bulkIn: { address: 0x81, maxPacketSize: 64 },
      bulkOut: { address: 0x02, maxPacketSize: 64 },
      acmCapabilities: 6,
    });
  });

  it('rejects a bad device descriptor', () => {
    bad(() => parseDeviceDescriptor(device().slice(0, 8)), /8 bytes sent/);
    const d = device();
    d[7] = 48;
    bad(() => parseDeviceDescriptor(d), /bMaxPacketSize0 48/);
    const e = device();
    e[0] = 17;
    bad(() => parseDeviceDescriptor(e), /bLength 17/);
  });

  it('checks wTotalLength against the bytes and the sum of bLength', () => {
    const c = config();
    bad(() => parseConfigurationDescriptor(c.slice(0, 74)), /wTotalLength 75, 74 bytes/);
    // a descriptor that claims more bytes than are left
    bad(() => parseConfigurationDescriptor(config((p) => (p[10][0] = 9))), /runs past/);
    bad(() => parseConfigurationDescriptor(config((p) => (p[3][0] = 1))), /bLength 1/);
  });

  it('checks interfaces, endpoint counts, directions and sizes', () => {
    bad(() => parseConfigurationDescriptor(config((p) => (p[0][4] = 3))), /bNumInterfaces 3/);
    bad(() => parseConfigurationDescriptor(config((p) => (p[8][4] = 3))), /bNumEndpoints 3, 2/);
    bad(() => parseConfigurationDescriptor(config((p) => (p[9][4] = 65))), /bulk wMaxPacketSize 65/);
    bad(() => parseConfigurationDescriptor(config((p) => (p[10][2] = 0x80))), /endpoint 0 has no descriptor/);
    bad(() => parseConfigurationDescriptor(config((p) => (p[10][2] = 0x02))), /endpoint 0x02 in interfaces 1 and 1/);
    bad(() => parseConfigurationDescriptor(config((p) => (p[7][6] = 0))), /bInterval 0/);
    bad(() => parseConfigurationDescriptor(config((p) => (p[0][7] = 0x00))), /bit 7 must be set/);
    // both bulk endpoints OUT: the data interface lacks an IN
    const dev = parseDeviceDescriptor(device());
    bad(() => findCdcAcm(dev, parseConfigurationDescriptor(config((p) => (p[10][2] = 0x01)))), /one bulk IN and one bulk OUT/);
  });

  it('checks the IAD and the CDC functional descriptors', () => {
    const dev = parseDeviceDescriptor(device());
    bad(() => parseConfigurationDescriptor(config((p) => (p[1][0] = 9, p[1].push(0)))), /association at 9: bLength 9/);
    bad(() => findCdcAcm(dev, parseConfigurationDescriptor(config((p) => (p[1][3] = 1)))), /exactly the CDC pair/);
    const noMisc = device();
    noMisc[4] = 0;
    bad(() => findCdcAcm(parseDeviceDescriptor(noMisc), parseConfigurationDescriptor(config())), /0xEF\/0x02\/0x01/);
    // the IAD after the interfaces it groups
    bad(() => parseConfigurationDescriptor(config((p) => p.splice(3, 0, p.splice(1, 1)[0]))), /must come before interface 0/);
    bad(() => findCdcAcm(dev, parseConfigurationDescriptor(config((p) => p.splice(3, 0, p.splice(4, 1)[0])))), /header functional descriptor must come first/);
    bad(() => findCdcAcm(dev, parseConfigurationDescriptor(config((p) => (p[6][4] = 0)))), /subordinate interface 0/);
    bad(() => findCdcAcm(dev, parseConfigurationDescriptor(config((p) => (p[4][4] = 0)))), /bDataInterface must be 1/);
  });

  it('string descriptors: even bLength, type 3, truncation to wLength only', () => {
    const s = Uint8Array.from([8, 3, 0x41, 0, 0x42, 0, 0x43, 0]);
    expect(parseStringDescriptor(s, 255)).toBe('ABC');
    expect(parseStringDescriptor(s.slice(0, 4), 4)).toBe('A');
    bad(() => parseStringDescriptor(s.slice(0, 6), 255), /6 bytes sent, bLength 8/);
    bad(() => parseStringDescriptor(Uint8Array.from([7, 3, 0x41, 0, 0x42, 0, 0x43]), 255), /bLength 7/);
    bad(() => parseStringDescriptor(Uint8Array.from([4, 2, 0x41, 0]), 255), /bDescriptorType 2/);
    expect(parseLangIds(Uint8Array.from([4, 3, 0x09, 0x04]))).toEqual([0x0409]);
    bad(() => parseLangIds(Uint8Array.from([2, 3])), /at least one LANGID/);
  });
});
