// USB descriptors, parsed and checked against USB 2.0 chapter 9 (9.6), the Interface
// Association ECN and CDC 1.2 / PSTN 1.2, for the strict model host that enumerates the
// rp2040-pico USB-CDC firmware under rp2040js (host/src/io/rp2040/usb-host.ts). Pure: bytes in,
// a parsed structure or a UsbDescriptorError out.

export class UsbDescriptorError extends Error {}

export const DESC_DEVICE = 1;
export const DESC_CONFIGURATION = 2;
export const DESC_STRING = 3;
export const DESC_INTERFACE = 4;
export const DESC_ENDPOINT = 5;
export const DESC_DEVICE_QUALIFIER = 6;
export const DESC_OTHER_SPEED = 7;
export const DESC_IAD = 11;
export const DESC_CS_INTERFACE = 0x24;

const CLASS_CDC = 0x02;
const CLASS_CDC_DATA = 0x0a;
const SUBCLASS_ACM = 0x02;
const EP_BULK = 2;
const EP_INTERRUPT = 3;
const FULL_SPEED_PACKETS = [8, 16, 32, 64];

export interface DeviceDescriptor {
  bcdUSB: number;
  deviceClass: number;
  deviceSubClass: number;
  deviceProtocol: number;
  maxPacketSize0: number;
  idVendor: number;
  idProduct: number;
  bcdDevice: number;
  iManufacturer: number;
  iProduct: number;
  iSerialNumber: number;
  numConfigurations: number;
}

export interface EndpointDescriptor {
  address: number;
  type: number;
  maxPacketSize: number;
  interval: number;
}

export interface InterfaceDescriptor {
  number: number;
  alternate: number;
  cls: number;
  subClass: number;
  protocol: number;
  endpoints: EndpointDescriptor[];
  /** class-specific descriptors (type 0x24) that follow it: [subtype, ...body] */
  functional: Uint8Array[];
}

export interface Association {
  firstInterface: number;
  interfaceCount: number;
  cls: number;
  subClass: number;
  protocol: number;
}

export interface ConfigurationDescriptor {
  totalLength: number;
  numInterfaces: number;
  value: number;
  attributes: number;
  maxPower: number;
  interfaces: InterfaceDescriptor[];
  associations: Association[];
}

export interface CdcAcmFunction {
  comm: number;
  data: number;
  notify: EndpointDescriptor;
  bulkIn: EndpointDescriptor;
  bulkOut: EndpointDescriptor;
  acmCapabilities: number;
}

function fail(msg: string): never {
  throw new UsbDescriptorError(msg);
}

const u16 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const hex = (v: number, w = 2) => `0x${v.toString(16).padStart(w, '0')}`;

/** 9.6.1: all 18 bytes. */
export function parseDeviceDescriptor(b: Uint8Array): DeviceDescriptor {
  if (b.length < 2) fail(`device descriptor: ${b.length} bytes`);
  if (b[0] !== 18) fail(`device descriptor: bLength ${b[0]}, must be 18`);
  if (b[1] !== DESC_DEVICE) fail(`device descriptor: bDescriptorType ${b[1]}, must be 1`);
  if (b.length !== 18) fail(`device descriptor: ${b.length} bytes sent, bLength says 18`);
  const d: DeviceDescriptor = {
    bcdUSB: u16(b, 2),
    deviceClass: b[4],
    deviceSubClass: b[5],
    deviceProtocol: b[6],
    maxPacketSize0: b[7],
    idVendor: u16(b, 8),
    idProduct: u16(b, 10),
    bcdDevice: u16(b, 12),
    iManufacturer: b[14],
    iProduct: b[15],
    iSerialNumber: b[16],
    numConfigurations: b[17],
  };
  if (![0x0100, 0x0110, 0x0200].includes(d.bcdUSB)) fail(`device descriptor: bcdUSB ${hex(d.bcdUSB, 4)}`);
  if (!FULL_SPEED_PACKETS.includes(d.maxPacketSize0)) fail(`device descriptor: bMaxPacketSize0 ${d.maxPacketSize0}, must be 8, 16, 32 or 64`);
  if (d.numConfigurations < 1) fail('device descriptor: bNumConfigurations 0');
  return d;
}

function parseEndpoint(b: Uint8Array, at: number): EndpointDescriptor {
  if (b[at] !== 7) fail(`endpoint descriptor at ${at}: bLength ${b[at]}, must be 7`);
  const address = b[at + 2];
  const attributes = b[at + 3];
  const maxPacketSize = u16(b, at + 4);
  const ep: EndpointDescriptor = { address, type: attributes & 3, maxPacketSize, interval: b[at + 6] };
  if ((address & 0x70) !== 0) fail(`endpoint ${hex(address)}: reserved address bits set`);
  if ((address & 0x0f) === 0) fail(`endpoint ${hex(address)}: endpoint 0 has no descriptor`);
  if (ep.type !== 1 && (attributes & 0x3c) !== 0) fail(`endpoint ${hex(address)}: bmAttributes ${hex(attributes)}: bits 2-5 are for isochronous only`);
  if ((maxPacketSize & 0xf800) !== 0) fail(`endpoint ${hex(address)}: wMaxPacketSize ${hex(maxPacketSize, 4)} has reserved bits (or extra transactions, high speed only)`);
  if (ep.type === EP_BULK && !FULL_SPEED_PACKETS.includes(maxPacketSize)) fail(`endpoint ${hex(address)}: bulk wMaxPacketSize ${maxPacketSize}, must be 8, 16, 32 or 64 at full speed`);
  if (ep.type === EP_INTERRUPT) {
    if (maxPacketSize < 1 || maxPacketSize > 64) fail(`endpoint ${hex(address)}: interrupt wMaxPacketSize ${maxPacketSize}, must be 1..64 at full speed`);
    if (ep.interval < 1) fail(`endpoint ${hex(address)}: interrupt bInterval 0, must be 1..255`);
  }
  return ep;
}

/** 9.6.3-9.6.6 and the IAD: every descriptor's length and type, their sum against wTotalLength. */
export function parseConfigurationDescriptor(b: Uint8Array): ConfigurationDescriptor {
  if (b.length < 9) fail(`configuration descriptor: ${b.length} bytes, needs 9`);
  if (b[0] !== 9) fail(`configuration descriptor: bLength ${b[0]}, must be 9`);
  if (b[1] !== DESC_CONFIGURATION) fail(`configuration descriptor: bDescriptorType ${b[1]}, must be 2`);
  const c: ConfigurationDescriptor = {
    totalLength: u16(b, 2),
    numInterfaces: b[4],
    value: b[5],
    attributes: b[7],
    maxPower: b[8],
    interfaces: [],
    associations: [],
  };
  if (c.totalLength !== b.length) fail(`configuration descriptor: wTotalLength ${c.totalLength}, ${b.length} bytes sent`);
  if ((c.attributes & 0x80) === 0 || (c.attributes & 0x1f) !== 0) fail(`configuration descriptor: bmAttributes ${hex(c.attributes)}: bit 7 must be set, bits 0-4 clear`);
  if (c.value === 0) fail('configuration descriptor: bConfigurationValue 0 is "not configured"');
  let at = 9;
  let cur: InterfaceDescriptor | undefined;
  let declared = 0; // cur's bNumEndpoints
  let sum = 9;
  while (at < b.length) {
    const len = b[at];
    const type = b[at + 1];
    if (len < 2) fail(`descriptor at ${at}: bLength ${len}`);
    if (at + len > b.length) fail(`descriptor at ${at}: bLength ${len} runs past wTotalLength ${b.length}`);
    sum += len;
    if (type === DESC_INTERFACE) {
      if (len !== 9) fail(`interface descriptor at ${at}: bLength ${len}, must be 9`);
      closeInterface(cur, declared);
      cur = { number: b[at + 2], alternate: b[at + 3], cls: b[at + 5], subClass: b[at + 6], protocol: b[at + 7], endpoints: [], functional: [] };
      declared = b[at + 4];
      c.interfaces.push(cur);
    } else if (type === DESC_ENDPOINT) {
      if (!cur) fail(`endpoint descriptor at ${at} before any interface`);
      cur.endpoints.push(parseEndpoint(b, at));
    } else if (type === DESC_IAD) {
      if (len !== 8) fail(`interface association at ${at}: bLength ${len}, must be 8`);
      if (b[at + 3] < 1) fail(`interface association at ${at}: bInterfaceCount 0`);
      c.associations.push({ firstInterface: b[at + 2], interfaceCount: b[at + 3], cls: b[at + 4], subClass: b[at + 5], protocol: b[at + 6] });
      const next = b[at + 2];
      if (c.interfaces.some((i) => i.number >= next)) fail(`interface association at ${at}: must come before interface ${next}, its first`);
    } else if (type === DESC_CS_INTERFACE) {
      if (!cur) fail(`class-specific descriptor at ${at} before any interface`);
      if (len < 3) fail(`class-specific descriptor at ${at}: bLength ${len}`);
      cur.functional.push(b.slice(at + 2, at + len));
    } else if (type === DESC_DEVICE || type === DESC_CONFIGURATION || type === DESC_STRING) {
      fail(`descriptor at ${at}: type ${type} does not belong inside a configuration`);
    }
    at += len;
  }
  closeInterface(cur, declared);
  if (sum !== c.totalLength) fail(`descriptors sum to ${sum} bytes, wTotalLength ${c.totalLength}`);
  const numbers = new Set(c.interfaces.filter((i) => i.alternate === 0).map((i) => i.number));
  if (numbers.size !== c.numInterfaces) fail(`bNumInterfaces ${c.numInterfaces}, ${numbers.size} interfaces described`);
  for (let n = 0; n < c.numInterfaces; n++) if (!numbers.has(n)) fail(`interface numbers must run 0..${c.numInterfaces - 1}: ${n} missing`);
  const seen = new Map<number, number>();
  for (const i of c.interfaces.filter((x) => x.alternate === 0)) {
    for (const e of i.endpoints) {
      if (seen.has(e.address)) fail(`endpoint ${hex(e.address)} in interfaces ${seen.get(e.address)} and ${i.number}`);
      seen.set(e.address, i.number);
    }
  }
  for (const a of c.associations) {
    for (let n = a.firstInterface; n < a.firstInterface + a.interfaceCount; n++) {
      if (!numbers.has(n)) fail(`interface association: interface ${n} does not exist`);
    }
  }
  return c;
}

function closeInterface(i: InterfaceDescriptor | undefined, declared: number): void {
  if (!i) return;
  if (declared !== i.endpoints.length) fail(`interface ${i.number}: bNumEndpoints ${declared}, ${i.endpoints.length} endpoint descriptors follow`);
}

/** 9.6.7: the descriptor as sent, at most `requested` bytes. Returns its text. */
export function parseStringDescriptor(b: Uint8Array, requested: number): string {
  if (b.length < 2) fail(`string descriptor: ${b.length} bytes`);
  if (b[1] !== DESC_STRING) fail(`string descriptor: bDescriptorType ${b[1]}, must be 3`);
  if (b[0] < 2 || b[0] % 2 !== 0) fail(`string descriptor: bLength ${b[0]} (2 + 2 per UTF-16 unit)`);
  if (b.length !== Math.min(b[0], requested)) fail(`string descriptor: ${b.length} bytes sent, bLength ${b[0]}, ${requested} asked for`);
  let s = '';
  for (let i = 2; i + 1 < b.length; i += 2) s += String.fromCharCode(u16(b, i));
  return s;
}

/** String descriptor 0: the LANGID list. */
export function parseLangIds(b: Uint8Array): number[] {
  if (b.length < 4 || b[0] !== b.length || b[1] !== DESC_STRING || b[0] % 2 !== 0) fail('string descriptor 0: must list at least one LANGID');
  const out: number[] = [];
  for (let i = 2; i < b.length; i += 2) out.push(u16(b, i));
  return out;
}

/** The CDC-ACM function (CDC 1.2 5.2.3, PSTN 1.2 5.3) and its pairing with the device and IAD. */
export function findCdcAcm(dev: DeviceDescriptor, cfg: ConfigurationDescriptor): CdcAcmFunction {
  const comm = cfg.interfaces.find((i) => i.alternate === 0 && i.cls === CLASS_CDC && i.subClass === SUBCLASS_ACM);
  if (!comm) fail('no CDC ACM communication interface (class 2, subclass 2)');
  const kinds = comm.functional.map((f) => f[0]);
  if (kinds[0] !== 0x00) fail('CDC: the header functional descriptor must come first');
  const header = comm.functional[0];
  if (header.length !== 3) fail(`CDC header: bLength ${header.length + 2}, must be 5`);
  const union = comm.functional.find((f) => f[0] === 0x06);
  if (!union || union.length < 3) fail('CDC: no union functional descriptor');
  if (union[1] !== comm.number) fail(`CDC union: bControlInterface ${union[1]}, the communication interface is ${comm.number}`);
  const dataNum = union[2];
  const data = cfg.interfaces.find((i) => i.alternate === 0 && i.number === dataNum);
  if (!data || data.cls !== CLASS_CDC_DATA) fail(`CDC union: subordinate interface ${dataNum} is not a data class (0x0A) interface`);
  const acm = comm.functional.find((f) => f[0] === 0x02);
  if (!acm || acm.length !== 2) fail('CDC: no ACM functional descriptor of 4 bytes');
  const callMgmt = comm.functional.find((f) => f[0] === 0x01);
  if (callMgmt && (callMgmt.length !== 3 || callMgmt[2] !== dataNum)) fail(`CDC call management: bDataInterface must be ${dataNum}`);
  if (comm.endpoints.length !== 1 || comm.endpoints[0].type !== EP_INTERRUPT || (comm.endpoints[0].address & 0x80) === 0) {
    fail('CDC communication interface: needs exactly one interrupt IN endpoint');
  }
  const bulkIn = data.endpoints.find((e) => e.type === EP_BULK && (e.address & 0x80) !== 0);
  const bulkOut = data.endpoints.find((e) => e.type === EP_BULK && (e.address & 0x80) === 0);
  if (!bulkIn || !bulkOut || data.endpoints.length !== 2) fail('CDC data interface: needs one bulk IN and one bulk OUT endpoint');
  const iad = cfg.associations.find((a) => a.firstInterface <= comm.number && comm.number < a.firstInterface + a.interfaceCount);
  if (cfg.associations.length > 0 || dev.deviceClass === 0xef) {
    if (dev.deviceClass !== 0xef || dev.deviceSubClass !== 0x02 || dev.deviceProtocol !== 0x01) {
      fail('an interface association needs device class 0xEF/0x02/0x01');
    }
    if (!iad) fail(`no interface association covers the CDC interface ${comm.number}`);
    if (iad.firstInterface !== Math.min(comm.number, dataNum) || iad.interfaceCount !== 2) fail('the interface association must cover exactly the CDC pair');
    if (iad.cls !== CLASS_CDC || iad.subClass !== SUBCLASS_ACM) fail('the interface association must name class 2, subclass 2 (ACM)');
  }
  return { comm: comm.number, data: dataNum, notify: comm.endpoints[0], bulkIn, bulkOut, acmCapabilities: acm[1] };
}
