// A strict model USB host on rp2040js's emulated USB device controller, for the rp2040-pico
// USB-CDC firmware (firmware/drivers/rp2040_usb). rp2040js's own scripted host (usb/cdc.js)
// checks almost nothing; this one replaces it without editing the package. It enumerates as
// Linux does (hub_port_init's "new scheme", then cdc-acm's probe and open):
//   reset, GET_DESCRIPTOR(device, 64) at address 0, reset, SET_ADDRESS, GET_DESCRIPTOR(device,
//   18), GET_DESCRIPTOR(configuration, 9) then (wTotalLength), string 0 and each string the
//   device names, SET_CONFIGURATION(1), SET_LINE_CODING + data, GET_LINE_CODING,
//   SET_CONTROL_LINE_STATE(DTR|RTS)
// and then polls bulk IN and sends bulk OUT. Every packet's DATA0/DATA1 toggle is checked (the
// device's IN PID against the host's sequence; the device's expected OUT PID against what the
// host sends), every control read's length and its ending (short packet or ZLP), the status
// stages, the address (applied only after SET_ADDRESS's status stage), and every descriptor
// (host/src/core/usb-descriptors.ts). A bulk IN transfer that ends on a full packet must be
// closed by a ZLP. Any violation is fatal: onError, and the runner stops.
//
// The controller model is bent toward the datasheet where rp2040js is loose: an IN buffer the
// firmware arms waits (NAK) until the host polls that endpoint; an OUT buffer waits until the
// host has data; EP0 STALL needs EP_STALL_ARM and the buffer's STALL bit, and a SETUP clears
// EP_STALL_ARM; SIE_STATUS.SUSPENDED is write-1-to-clear.
import type { RP2040 } from 'rp2040js';
import {
  DESC_CONFIGURATION,
  DESC_DEVICE,
  DESC_DEVICE_QUALIFIER,
  DESC_OTHER_SPEED,
  DESC_STRING,
  UsbDescriptorError,
  findCdcAcm,
  parseConfigurationDescriptor,
  parseDeviceDescriptor,
  parseLangIds,
  parseStringDescriptor,
  type CdcAcmFunction,
  type DeviceDescriptor,
} from '../../core/usb-descriptors.js';
import type { LinkPort } from './link.js';

const ADDR_ENDP = 0x00;
const SIE_CTRL = 0x4c;
const SIE_STATUS = 0x50;
const EP_STALL_ARM = 0x68;
const SIE_CTRL_PULLUP_EN = 1 << 16;
const SIE_SUSPENDED = 1 << 4;
const SIE_RESUME = 1 << 11;
const BUF_LEN = 0x3ff;
const BUF_AVAILABLE = 1 << 10;
const BUF_STALL = 1 << 11;
const BUF_DATA1 = 1 << 13;
const BUF_FULL = 1 << 15;
const EP0_BUF = 0x100;
const MAX_PACKET = 64;
/** gap between two control transfers, and an OUT packet's flight time (simulated ns) */
const GAP_NS = 50_000;
const OUT_NS = 10_000;
/** a control transfer not finished by then is a hung device (Linux waits 5 s) */
const CONTROL_TIMEOUT_NS = 500_000_000;
/**
 * A bulk IN transfer that ended on a full packet must see its ZLP (or more data) by then, and
 * before the firmware exits. Not a few ms: a device busy in its interrupt may pause that long
 * between two full packets of one stream (seen with both cores recording), and a host cannot
 * tell that pause from an end; a device that never sends the ZLP goes idle far longer.
 */
const ZLP_WAIT_NS = 50_000_000;
const CDC_DTR_RTS = 3;
const LINE_CODING = Uint8Array.of(0x00, 0x10, 0x0e, 0x00, 0, 0, 8); // 921600 8N1

interface UsbCtrl {
  sieStatus: number;
  epStallArm: number;
  addrEndp: number;
  rawWriteValue: number;
  onUSBEnabled?: () => void;
  onResetReceived?: () => void;
  onEndpointWrite?: (ep: number, buf: Uint8Array) => void;
  onEndpointRead?: (ep: number, size: number) => void;
  resetDevice(): void;
  sendSetupPacket(p: Uint8Array): void;
  indicateBufferReady(ep: number, out: boolean): void;
  sieStatusUpdated(): void;
  DPRAMUpdated(offset: number, value: number): void;
  writeUint32(offset: number, value: number): void;
}

interface Alarm {
  schedule(ns: number): void;
  cancel(): void;
}

interface ClockLike {
  readonly nanos: number;
  createAlarm(cb: () => void): Alarm;
}

export interface UsbFaults {
  // Times are simulated ms after enumeration, when the host starts streaming.
  /** [from, to): the host sends no IN tokens on bulk IN (it stops reading) */
  nakIn?: [number, number];
  /** a bus reset mid-stream (at this many ms, or at the first bulk IN byte after it), then enumeration again */
  resetAt?: number;
  /** the host suspends the bus for 5 ms, then resumes */
  suspendAt?: number;
  /** after SET_CONFIGURATION: unknown and malformed requests, each must get a STALL */
  badRequests?: boolean;
}

/** "nak-in=300:900,reset-at=500,suspend-at=200,bad-requests" */
export function parseUsbFaults(spec: string): UsbFaults {
  const out: UsbFaults = {};
  for (const part of spec.split(',').filter((p) => p !== '')) {
    const [k, v] = part.split('=');
    const num = (x: string | undefined) => {
      const n = Number(x);
      if (x === undefined || !Number.isFinite(n) || n < 0) throw new Error(`usb fault ${part}: needs a number of ms`);
      return n;
    };
    if (k === 'nak-in') {
      const [a, b] = (v ?? '').split(':');
      out.nakIn = [num(a), num(b)];
    } else if (k === 'reset-at') out.resetAt = num(v);
    else if (k === 'suspend-at') out.suspendAt = num(v);
    else if (k === 'bad-requests' && v === undefined) out.badRequests = true;
    else throw new Error(`unknown usb fault ${part} (nak-in=A:B, reset-at=MS, suspend-at=MS, bad-requests)`);
  }
  return out;
}

interface Setup {
  name: string;
  bytes: Uint8Array;
  in: boolean;
  length: number;
}

function setup(name: string, rtype: number, req: number, value: number, index: number, length: number): Setup {
  const bytes = Uint8Array.of(rtype, req, value & 0xff, value >> 8, index & 0xff, index >> 8, length & 0xff, length >> 8);
  return { name, bytes, in: (rtype & 0x80) !== 0, length };
}

const getDescriptor = (name: string, type: number, index: number, length: number, lang = 0) =>
  setup(`GET_DESCRIPTOR(${name}, ${length})`, 0x80, 6, (type << 8) | index, lang, length);

interface Control {
  s: Setup;
  stage: 'data-in' | 'data-out' | 'status-in' | 'status-out';
  pid: number;
  data: number[];
  outPos: number;
  outData: Uint8Array;
  seq: number;
  timer: Alarm;
  done: (r: { data: Uint8Array; stalled: boolean }) => void;
}

interface PendingIn {
  value: number;
  seq: number;
}

export interface UsbSummary {
  controlTransfers: number;
  stalls: number;
  busResets: number;
  inPackets: number;
  inZlps: number;
  outPackets: number;
  inBytes: number;
  /** control reads whose data stage ended with a zero-length packet */
  ep0Zlps: number;
}

export interface UsbHostOptions {
  faults?: UsbFaults;
  log?: (line: string) => void;
  onError: (msg: string) => void;
}

export class UsbHostModel {
  readonly link: LinkPort;
  readonly summary: UsbSummary = { controlTransfers: 0, stalls: 0, busResets: 0, inPackets: 0, inZlps: 0, outPackets: 0, inBytes: 0, ep0Zlps: 0 };
  /** the host side of the pty cannot take more: stop sending IN tokens */
  blocked = false;
  private readonly usb: UsbCtrl;
  private readonly clock: ClockLike;
  private readonly dpram: Uint8Array;
  private readonly view: DataView;
  private readonly origDpram: (offset: number, value: number) => void;
  private readonly faults: UsbFaults;
  private readonly log: (line: string) => void;
  private readonly onError: (msg: string) => void;
  private failed = false;
  private address = 0;
  private setAddressTo: number | undefined;
  private setupSeq = 0;
  private ctl: Control | undefined;
  private readonly pendingIn = new Map<number, PendingIn>();
  private readonly outArmed = new Map<number, number>(); // ep -> expected PID
  private readonly stalledIn = new Set<number>();
  private readonly stalledOut = new Set<number>();
  private cdc: CdcAcmFunction | undefined;
  private configured = false;
  private suspended = false;
  /** the host halted bulk IN itself (SET_FEATURE) and sends no IN tokens until it clears it */
  private haltedIn = false;
  /** the nak-in fault's window: no IN tokens on bulk IN */
  private nakking = false;
  private resetting = false;
  private resetAck: (() => void) | undefined;
  private connected = false;
  private inPid = 0;
  private outPid = 0;
  private zlpOwed = false;
  private readonly zlpTimer: Alarm;
  private readonly outTimer: Alarm;
  private outBusy = false;
  private readonly outQueue: number[] = [];
  private onData: (bytes: Uint8Array) => void = () => {};

  constructor(mcu: RP2040, opts: UsbHostOptions) {
    const m = mcu as unknown as { usbCtrl: UsbCtrl; usbDPRAM: Uint8Array; usbDPRAMView: DataView; clock: ClockLike };
    this.usb = m.usbCtrl;
    this.clock = m.clock;
    this.dpram = m.usbDPRAM;
    this.view = m.usbDPRAMView;
    this.faults = opts.faults ?? {};
    this.log = opts.log ?? (() => {});
    this.onError = opts.onError;
    this.zlpTimer = this.clock.createAlarm(() => this.zlpDue());
    this.outTimer = this.clock.createAlarm(() => this.deliverOut());
    const usb = this.usb;
    this.origDpram = usb.DPRAMUpdated.bind(usb);
    usb.DPRAMUpdated = (offset, value) => this.dpramWritten(offset, value);
    usb.onEndpointWrite = () => {};
    usb.onEndpointRead = () => {};
    usb.onUSBEnabled = () => {};
    usb.onResetReceived = () => {
      const ack = this.resetAck;
      this.resetAck = undefined;
      ack?.();
    };
    const write = usb.writeUint32.bind(usb);
    usb.writeUint32 = (offset, value) => {
      const raw = usb.rawWriteValue;
      write(offset, value);
      this.registerWritten(offset, value, raw);
    };
    const host = this;
    this.link = {
      onData: () => {},
      send(bytes) {
        for (const b of bytes) host.outQueue.push(b);
        host.sendOut();
      },
      pump() {
        host.sendOut();
        host.pollIn();
      },
    };
    Object.defineProperty(this.link, 'onData', {
      get: () => this.onData,
      set: (f: (bytes: Uint8Array) => void) => (this.onData = f),
    });
  }

  private fail(msg: string): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(msg);
  }

  private after(ns: number, fn: () => void): void {
    this.clock.createAlarm(fn).schedule(ns);
  }

  private wait(ns: number): Promise<void> {
    return new Promise((r) => this.after(ns, r));
  }

  // ---- the controller's registers and buffers ----

  private registerWritten(offset: number, value: number, raw: number): void {
    if (offset === SIE_CTRL && !this.connected && value & SIE_CTRL_PULLUP_EN) {
      this.connected = true;
      // the hub's debounce before the first reset (shortened: simulated time is dear)
      this.after(1_000_000, () => void this.enumerate().catch((err: Error) => this.fail(err.message)));
    } else if (offset === SIE_STATUS && raw & SIE_SUSPENDED) {
      this.usb.sieStatus &= ~SIE_SUSPENDED; // write-1-to-clear on the chip
      this.usb.sieStatusUpdated();
    } else if (offset === ADDR_ENDP) {
      const a = value & 0x7f;
      if (a !== 0 && (a !== this.setAddressTo || this.ctl?.s.name.startsWith('SET_ADDRESS'))) this.fail(`the device took address ${a} before SET_ADDRESS(${a})'s status stage was done`);
    } else if (offset === EP_STALL_ARM) {
      if (value & 1 && this.bufCtrl(0, false) & BUF_STALL) this.stalled(0, false);
      if (value & 2 && this.bufCtrl(0, true) & BUF_STALL) this.stalled(0, true);
    }
  }

  private bufCtrlOffset(ep: number, out: boolean): number {
    return 0x80 + ep * 8 + (out ? 4 : 0);
  }

  private bufCtrl(ep: number, out: boolean): number {
    return this.view.getUint32(this.bufCtrlOffset(ep, out), true);
  }

  private bufferOf(ep: number, out: boolean): number {
    if (ep === 0) return EP0_BUF;
    return this.view.getUint32(0x08 + 8 * (ep - 1) + (out ? 4 : 0), true) & 0xffc0;
  }

  private dpramWritten(offset: number, value: number): void {
    if (offset < 0x80 || offset >= 0x100) return;
    const ep = (offset - 0x80) >> 3;
    const out = (offset & 4) !== 0;
    if (value & BUF_STALL) {
      if (ep !== 0 || this.usb.epStallArm & (out ? 2 : 1)) this.stalled(ep, out);
      if (!out) this.pendingIn.delete(ep);
      else this.outArmed.delete(ep);
      return;
    }
    (out ? this.stalledOut : this.stalledIn).delete(ep);
    if ((value & BUF_AVAILABLE) === 0) {
      // the firmware took the buffer back (bus reset, a new SETUP, a halt)
      if (out) this.outArmed.delete(ep);
      else this.pendingIn.delete(ep);
      return;
    }
    if (out) {
      if ((value & BUF_LEN) < (ep === 0 ? MAX_PACKET : this.maxOut())) this.fail(`EP${ep} OUT armed for ${value & BUF_LEN} bytes, less than a packet`);
      this.outArmed.set(ep, value & BUF_DATA1 ? 1 : 0);
      if (ep === 0) this.controlOut();
      else this.sendOut();
      return;
    }
    if ((value & BUF_FULL) === 0) this.fail(`EP${ep} IN armed without FULL`);
    this.pendingIn.set(ep, { value, seq: this.setupSeq });
    if (ep === 0) this.controlIn();
    else this.pollIn();
  }

  private maxOut(): number {
    return this.cdc?.bulkOut.maxPacketSize ?? MAX_PACKET;
  }

  /** Takes the armed IN buffer of ep as the host's IN token would: its bytes, length and PID. */
  private takeIn(ep: number): { data: Uint8Array; pid: number } {
    const p = this.pendingIn.get(ep)!;
    this.pendingIn.delete(ep);
    const len = p.value & BUF_LEN;
    const at = this.bufferOf(ep, false);
    const data = this.dpram.slice(at, at + len);
    this.origDpram(this.bufCtrlOffset(ep, false), p.value); // rp2040js: clears AVAILABLE/FULL, BUFF_STATUS
    return { data, pid: p.value & BUF_DATA1 ? 1 : 0 };
  }

  /** Completes the armed OUT buffer of ep with data, as the host's OUT transaction would. */
  private giveOut(ep: number, data: Uint8Array, pid: number, what: string): boolean {
    const expected = this.outArmed.get(ep);
    if (expected === undefined) return false;
    if (expected !== pid) {
      this.fail(`${what}: the device expects DATA${expected}, the host's toggle is DATA${pid}`);
      return false;
    }
    this.outArmed.delete(ep);
    this.dpram.set(data, this.bufferOf(ep, true));
    const off = this.bufCtrlOffset(ep, true);
    let v = this.view.getUint32(off, true);
    v = (v & ~(BUF_AVAILABLE | BUF_LEN)) | BUF_FULL | data.length;
    this.view.setUint32(off, v, true);
    this.usb.indicateBufferReady(ep, true);
    return true;
  }

  private stalled(ep: number, out: boolean): void {
    (out ? this.stalledOut : this.stalledIn).add(ep);
    if (ep === 0) {
      const c = this.ctl;
      if (!c) return;
      const inStage = c.stage === 'data-in' || c.stage === 'status-in';
      if (inStage !== out) this.finishControl(c, true);
    }
  }

  // ---- control transfers ----

  private control(s: Setup, outData: Uint8Array = new Uint8Array(0)): Promise<{ data: Uint8Array; stalled: boolean }> {
    if (this.ctl) throw new Error(`${s.name} while ${this.ctl.s.name} runs`);
    const devAddr = this.usb.addrEndp & 0x7f;
    if (devAddr !== this.address) throw new Error(`${s.name}: the host addresses ${this.address}, the device listens at ${devAddr}`);
    return new Promise((resolve) => {
      this.setupSeq++;
      this.summary.controlTransfers++;
      // A SETUP clears EP0's STALL (datasheet, EP_STALL_ARM); it cannot be NAKed.
      this.usb.epStallArm = 0;
      this.stalledIn.delete(0);
      this.stalledOut.delete(0);
      const c: Control = {
        s,
        stage: s.length === 0 ? 'status-in' : s.in ? 'data-in' : 'data-out',
        pid: 1,
        data: [],
        outPos: 0,
        outData,
        seq: this.setupSeq,
        timer: this.clock.createAlarm(() => this.fail(`${s.name}: no answer within ${CONTROL_TIMEOUT_NS / 1e6} ms (the device hangs)`)),
        done: resolve,
      };
      c.timer.schedule(CONTROL_TIMEOUT_NS);
      this.ctl = c;
      this.usb.sendSetupPacket(s.bytes);
    });
  }

  private finishControl(c: Control, stalled: boolean): void {
    c.timer.cancel();
    this.ctl = undefined;
    if (stalled) this.summary.stalls++;
    const data = Uint8Array.from(c.data);
    this.after(GAP_NS, () => c.done({ data, stalled }));
  }

  private controlIn(): void {
    const c = this.ctl;
    if (!c || !this.pendingIn.has(0)) return;
    if (c.stage !== 'data-in' && c.stage !== 'status-in') {
      this.fail(`${c.s.name}: the device arms EP0 IN during the ${c.stage} stage`);
      return;
    }
    if (this.pendingIn.get(0)!.seq !== c.seq) {
      this.fail(`${c.s.name}: an EP0 IN buffer armed before this SETUP is still armed`);
      return;
    }
    const { data, pid } = this.takeIn(0);
    if (pid !== c.pid) return this.fail(`${c.s.name}: EP0 IN packet with DATA${pid}, expected DATA${c.pid}`);
    if (data.length > MAX_PACKET) return this.fail(`${c.s.name}: EP0 IN packet of ${data.length} bytes`);
    if (c.stage === 'status-in') {
      if (data.length !== 0) return this.fail(`${c.s.name}: the status stage must be a zero-length packet, got ${data.length} bytes`);
      this.finishControl(c, false);
      return;
    }
    c.pid ^= 1;
    if (data.length === 0) this.summary.ep0Zlps++;
    c.data.push(...data);
    if (c.data.length > c.s.length) return this.fail(`${c.s.name}: ${c.data.length} bytes, more than wLength ${c.s.length}`);
    if (data.length < MAX_PACKET || c.data.length === c.s.length) {
      c.stage = 'status-out';
      c.pid = 1;
      this.controlOut();
    }
  }

  private controlOut(): void {
    const c = this.ctl;
    if (!c || !this.outArmed.has(0)) return;
    if (c.stage === 'data-in') {
      this.fail(`${c.s.name}: the device started the status stage after ${c.data.length} of ${c.s.length} bytes, on a full packet without a ZLP`);
      return;
    }
    if (c.stage === 'status-out') {
      if (this.giveOut(0, new Uint8Array(0), 1, `${c.s.name} status`)) this.finishControl(c, false);
      return;
    }
    if (c.stage === 'data-out') {
      const chunk = c.outData.subarray(c.outPos, c.outPos + MAX_PACKET);
      if (!this.giveOut(0, chunk, c.pid, `${c.s.name} data`)) return;
      c.outPos += chunk.length;
      c.pid ^= 1;
      if (c.outPos >= c.outData.length && chunk.length < MAX_PACKET) {
        c.stage = 'status-in';
        c.pid = 1;
        this.controlIn();
      }
    }
  }

  /** A control transfer that must succeed. */
  private async ok(s: Setup, outData?: Uint8Array): Promise<Uint8Array> {
    const r = await this.control(s, outData);
    if (r.stalled) throw new Error(`${s.name}: STALL`);
    return r.data;
  }

  /** A control transfer that must be refused with a STALL, not answered and not left hanging. */
  private async refused(s: Setup, outData?: Uint8Array): Promise<void> {
    const r = await this.control(s, outData);
    if (!r.stalled) throw new Error(`${s.name}: answered (${r.data.length} bytes), a STALL was due`);
  }

  private busReset(): Promise<void> {
    this.summary.busResets++;
    this.resetting = true;
    this.configured = false;
    this.address = 0;
    this.zlpOwed = false;
    this.zlpTimer.cancel();
    return new Promise((resolve) => {
      this.resetAck = () => {
        this.resetting = false;
        this.after(GAP_NS, resolve);
      };
      this.usb.resetDevice();
    });
  }

  private checked<T>(what: string, f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof UsbDescriptorError) throw new Error(`${what}: ${err.message}`);
      throw err;
    }
  }

  private async enumerate(): Promise<void> {
    await this.busReset();
    // Linux reads the first 8 bytes for bMaxPacketSize0; 64 asked, so all 18 are due.
    const first = await this.ok(getDescriptor('device', DESC_DEVICE, 0, 64));
    this.checked('device descriptor at address 0', () => parseDeviceDescriptor(first));
    await this.setAddress(7);
    const dev = await this.readDescriptors();
    await this.configure();
    this.log(
      `usb: enumerated ${dev.idVendor.toString(16).padStart(4, '0')}:${dev.idProduct.toString(16).padStart(4, '0')} ` +
        `"${this.strings.get(dev.iManufacturer)}" "${this.strings.get(dev.iProduct)}" serial ${this.strings.get(dev.iSerialNumber)}, ` +
        `CDC-ACM bulk IN 0x${this.cdc!.bulkIn.address.toString(16)} OUT 0x${this.cdc!.bulkOut.address.toString(16)}`,
    );
    if (this.faults.badRequests) await this.badRequests();
    this.streaming();
  }

  private async setAddress(a: number): Promise<void> {
    await this.busReset();
    this.setAddressTo = a;
    await this.ok(setup(`SET_ADDRESS(${a})`, 0x00, 5, a, 0, 0));
    // The device has 2 ms to take the address (USB 2.0 9.2.6.3).
    await this.wait(2_000_000);
    this.address = a;
  }

  private readonly strings = new Map<number, string>();

  private async readDescriptors(): Promise<DeviceDescriptor> {
    const devBytes = await this.ok(getDescriptor('device', DESC_DEVICE, 0, 18));
    const d = this.checked('device descriptor', () => parseDeviceDescriptor(devBytes));
    const head = await this.ok(getDescriptor('configuration', DESC_CONFIGURATION, 0, 9));
    if (head.length !== 9) throw new Error(`GET_DESCRIPTOR(configuration, 9): ${head.length} bytes`);
    const total = head[2] | (head[3] << 8);
    const full = await this.ok(getDescriptor('configuration', DESC_CONFIGURATION, 0, total));
    const cfg = this.checked('configuration descriptor', () => parseConfigurationDescriptor(full));
    if (full.subarray(0, 9).some((b, i) => b !== head[i])) throw new Error('the configuration descriptor changed between its two reads');
    this.cdc = this.checked('CDC-ACM function', () => findCdcAcm(d, cfg));
    const lang0 = await this.ok(getDescriptor('string 0', DESC_STRING, 0, 255));
    const ids = this.checked('string descriptor 0', () => parseLangIds(lang0));
    const lang = ids.includes(0x0409) ? 0x0409 : ids[0];
    for (const i of [d.iManufacturer, d.iProduct, d.iSerialNumber]) {
      if (i === 0) continue;
      const b = await this.ok(getDescriptor(`string ${i}`, DESC_STRING, i, 255, lang));
      this.strings.set(i, this.checked(`string descriptor ${i}`, () => parseStringDescriptor(b, 255)));
    }
    if (d.iSerialNumber === 0 || !/^[0-9A-F]{2,}$/.test(this.strings.get(d.iSerialNumber) ?? '')) {
      throw new Error(`serial number string ${JSON.stringify(this.strings.get(d.iSerialNumber))}: expected hex digits`);
    }
    // A full-speed-only device refuses these (USB 2.0 9.6.2); Linux asks for the qualifier.
    await this.refused(getDescriptor('device qualifier', DESC_DEVICE_QUALIFIER, 0, 10));
    return d;
  }

  private async configure(): Promise<void> {
    const cdc = this.cdc!;
    await this.ok(setup('SET_CONFIGURATION(1)', 0x00, 9, 1, 0, 0));
    this.inPid = 0;
    this.outPid = 0;
    const cfg = await this.ok(setup('GET_CONFIGURATION', 0x80, 8, 0, 0, 1));
    if (cfg.length !== 1 || cfg[0] !== 1) throw new Error(`GET_CONFIGURATION: ${Array.from(cfg)}, expected [1]`);
    await this.ok(setup('SET_LINE_CODING', 0x21, 0x20, 0, cdc.comm, 7), LINE_CODING);
    const lc = await this.ok(setup('GET_LINE_CODING', 0xa1, 0x21, 0, cdc.comm, 7));
    if (lc.length !== 7 || lc.some((b, i) => b !== LINE_CODING[i])) throw new Error(`GET_LINE_CODING: ${Array.from(lc)}, SET_LINE_CODING sent ${Array.from(LINE_CODING)}`);
    await this.ok(setup('SET_CONTROL_LINE_STATE(DTR|RTS)', 0x21, 0x22, CDC_DTR_RTS, cdc.comm, 0));
    this.configured = true;
  }

  private async badRequests(): Promise<void> {
    const cdc = this.cdc!;
    const inEp = cdc.bulkIn.address;
    const before = this.summary.stalls;
    await this.refused(setup('unknown standard request 0x55', 0x80, 0x55, 0, 0, 4));
    await this.refused(setup('vendor request', 0xc0, 0x01, 0, 0, 8));
    await this.refused(getDescriptor('other speed configuration', DESC_OTHER_SPEED, 0, 9));
    await this.refused(getDescriptor('string 9', DESC_STRING, 9, 255, 0x0409));
    await this.refused(getDescriptor('descriptor type 0x42', 0x42, 0, 64));
    await this.refused(setup('SET_CONFIGURATION(5)', 0x00, 9, 5, 0, 0));
    await this.refused(setup('SET_LINE_CODING with wLength 3', 0x21, 0x20, 0, cdc.comm, 3), LINE_CODING.slice(0, 3));
    await this.refused(setup('SET_LINE_CODING with 9 data bits', 0x21, 0x20, 0, cdc.comm, 7), Uint8Array.of(0, 0x10, 0x0e, 0, 0, 0, 9));
    // a data stage longer than its wLength: refused, and the line coding the device keeps is intact
    await this.refused(setup('SET_LINE_CODING with 64 data bytes for wLength 7', 0x21, 0x20, 0, cdc.comm, 7), new Uint8Array(64).fill(0xee));
    const kept = await this.ok(setup('GET_LINE_CODING', 0xa1, 0x21, 0, cdc.comm, 7));
    if (kept.some((b, i) => b !== LINE_CODING[i])) throw new Error(`GET_LINE_CODING after a refused SET_LINE_CODING: ${Array.from(kept)}`);
    await this.refused(setup('class request to interface 7', 0xa1, 0x21, 0, 7, 7));
    await this.refused(setup('GET_STATUS(endpoint 0x85)', 0x82, 0, 0, 0x85, 2));
    await this.refused(setup('SET_FEATURE(DEVICE_REMOTE_WAKEUP)', 0x00, 3, 1, 0, 0));
    await this.refused(setup('SET_INTERFACE(1, alt 1)', 0x01, 11, 1, 1, 0));
    await this.refused(setup('SET_DESCRIPTOR', 0x00, 7, 0x0100, 0, 18), new Uint8Array(18));
    // ENDPOINT_HALT on bulk IN: the endpoint answers STALL, GET_STATUS shows it, CLEAR_FEATURE
    // lifts it and resets the toggle to DATA0 (USB 2.0 9.4.5). No IN tokens meanwhile.
    this.haltedIn = true;
    await this.ok(setup('SET_FEATURE(ENDPOINT_HALT, bulk IN)', 0x02, 3, 0, inEp, 0));
    if (!this.stalledIn.has(inEp & 0x0f)) throw new Error('SET_FEATURE(ENDPOINT_HALT, bulk IN): the endpoint does not answer STALL');
    const halted = await this.ok(setup('GET_STATUS(bulk IN)', 0x82, 0, 0, inEp, 2));
    if (halted[0] !== 1) throw new Error(`GET_STATUS(bulk IN) after SET_FEATURE(ENDPOINT_HALT): ${Array.from(halted)}`);
    await this.ok(setup('CLEAR_FEATURE(ENDPOINT_HALT, bulk IN)', 0x02, 1, 0, inEp, 0));
    const clear = await this.ok(setup('GET_STATUS(bulk IN)', 0x82, 0, 0, inEp, 2));
    if (clear[0] !== 0) throw new Error(`GET_STATUS(bulk IN) after CLEAR_FEATURE(ENDPOINT_HALT): ${Array.from(clear)}`);
    if (this.stalledIn.has(inEp & 0x0f)) throw new Error('CLEAR_FEATURE(ENDPOINT_HALT, bulk IN): the endpoint still answers STALL');
    this.inPid = 0;
    this.haltedIn = false;
    const status = await this.ok(setup('GET_STATUS(device)', 0x80, 0, 0, 0, 2));
    if (status.length !== 2) throw new Error(`GET_STATUS(device): ${status.length} bytes`);
    this.log(`usb: ${this.summary.stalls - before} bad requests refused with STALL`);
  }

  private streaming(): void {
    const f = this.faults;
    if (f.suspendAt !== undefined) {
      this.at(f.suspendAt, () => {
        this.suspended = true;
        this.usb.sieStatus |= SIE_SUSPENDED;
        this.usb.sieStatusUpdated();
        this.after(5_000_000, () => {
          this.usb.sieStatus = (this.usb.sieStatus & ~SIE_SUSPENDED) | SIE_RESUME;
          this.usb.sieStatusUpdated();
          this.suspended = false;
          this.log('usb: bus suspended 5 ms, resumed');
          this.link.pump();
        });
      });
    }
    if (f.resetAt !== undefined) {
      // mid-stream: a reset due before the first bulk IN byte (a host slow to send CMD_START,
      // on a loaded machine) waits for it, a millisecond at a time
      const reset = (): void => {
        if (this.summary.inBytes === 0) {
          this.after(1_000_000, reset);
          return;
        }
        void (async () => {
          this.log(`usb: bus reset mid-stream, after ${this.summary.inBytes} bulk IN bytes`);
          await this.setAddress(9);
          await this.ok(setup('SET_CONFIGURATION(1)', 0x00, 9, 1, 0, 0));
          this.inPid = 0;
          this.outPid = 0;
          await this.ok(setup('SET_CONTROL_LINE_STATE(DTR|RTS)', 0x21, 0x22, CDC_DTR_RTS, this.cdc!.comm, 0));
          this.configured = true;
          this.link.pump();
        })().catch((err: Error) => this.fail(err.message));
      };
      this.at(f.resetAt, reset);
    }
    if (f.nakIn) {
      const [from, to] = f.nakIn;
      this.at(from, () => {
        this.nakking = true;
        this.log(`usb: the host stops reading bulk IN for ${to - from} ms`);
      });
      this.at(to, () => {
        this.nakking = false;
        this.link.pump();
      });
    }
    this.link.pump();
  }

  /** ms after the host started streaming (fault times are relative to that) */
  private at(ms: number, fn: () => void): void {
    this.after(ms * 1e6, fn);
  }

  // ---- the bulk endpoints ----

  private get polling(): boolean {
    if (!this.configured || this.suspended || this.resetting || this.blocked || this.haltedIn) return false;
    return !this.nakking;
  }

  private pollIn(): void {
    const cdc = this.cdc;
    if (!cdc || !this.polling) return;
    const ep = cdc.bulkIn.address & 0x0f;
    if (this.stalledIn.has(ep)) return;
    while (this.pendingIn.has(ep) && this.polling) {
      const { data, pid } = this.takeIn(ep);
      if (pid !== this.inPid) return this.fail(`bulk IN packet ${this.summary.inPackets} with DATA${pid}, expected DATA${this.inPid}`);
      if (data.length > cdc.bulkIn.maxPacketSize) return this.fail(`bulk IN packet of ${data.length} bytes, wMaxPacketSize ${cdc.bulkIn.maxPacketSize}`);
      this.inPid ^= 1;
      this.summary.inPackets++;
      this.summary.inBytes += data.length;
      if (data.length === 0) this.summary.inZlps++;
      if (data.length === cdc.bulkIn.maxPacketSize) {
        this.zlpOwed = true;
        this.zlpTimer.schedule(ZLP_WAIT_NS);
      } else {
        this.zlpOwed = false;
        this.zlpTimer.cancel();
      }
      if (data.length > 0) this.onData(data);
    }
  }

  private zlpDue(): void {
    if (!this.zlpOwed) return;
    // Only a host that keeps asking can expect the ZLP.
    if (!this.polling) {
      this.zlpTimer.schedule(ZLP_WAIT_NS);
      return;
    }
    const ep = this.cdc!.bulkIn.address & 0x0f;
    this.fail(
      `bulk IN: the transfer ended on a full ${this.cdc!.bulkIn.maxPacketSize}-byte packet and no ZLP followed within ${ZLP_WAIT_NS / 1e6} ms ` +
        `(EP${ep} IN buffer control 0x${this.bufCtrl(ep, false).toString(16)})`,
    );
  }

  private sendOut(): void {
    const cdc = this.cdc;
    if (!cdc || !this.polling || this.outBusy || this.outQueue.length === 0) return;
    const ep = cdc.bulkOut.address & 0x0f;
    if (!this.outArmed.has(ep)) return;
    this.outBusy = true;
    this.outTimer.schedule(OUT_NS);
  }

  private deliverOut(): void {
    this.outBusy = false;
    const cdc = this.cdc;
    if (!cdc || !this.polling) return;
    const ep = cdc.bulkOut.address & 0x0f;
    const n = Math.min(cdc.bulkOut.maxPacketSize, this.outQueue.length);
    const data = Uint8Array.from(this.outQueue.slice(0, n));
    if (!this.giveOut(ep, data, this.outPid, `bulk OUT packet ${this.summary.outPackets}`)) return;
    this.outQueue.splice(0, n);
    this.outPid ^= 1;
    this.summary.outPackets++;
    this.sendOut();
  }

  /** The firmware exited: a transfer that ended on a full packet must have had its ZLP. */
  checkAtExit(): void {
    if (this.zlpOwed) this.fail(`bulk IN: the last transfer ended on a full ${this.cdc!.bulkIn.maxPacketSize}-byte packet and the firmware exited without the ZLP`);
  }

  summaryLine(): string {
    const s = this.summary;
    return `usb: ${s.controlTransfers} control transfers (${s.stalls} STALL, ${s.ep0Zlps} ZLP), ${s.busResets} bus resets, bulk IN ${s.inPackets} packets ${s.inBytes} bytes (${s.inZlps} ZLP), bulk OUT ${s.outPackets} packets`;
  }
}
