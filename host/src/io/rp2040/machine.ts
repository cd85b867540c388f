// rp2040-pico under rp2040js with both cores. rp2040js 1.4.1 builds one CortexM0Core; this adds
// core 1 on top of the package without editing it: a second core object, the MCU's `core`
// switched to whichever core runs (the NVIC, VTOR and SysTick registers read `mcu.core`), a
// per-core SIO CPUID, the inter-core FIFOs with SIO_IRQ_PROC0/1, SEV and WFE between the
// cores, and the boot ROM's core-1 launch handshake. The firmware image is an ELF loaded into
// SRAM the way the boot ROM enters a RAM-only UF2 (boards/rp2040-pico/README.md).
import { RP2040, ConsoleLogger, LogLevel } from 'rp2040js';
import { loadableSegments, parseElf32 } from '../../core/elf.js';
import { Core1BootRom, SioFifos, type CoreIndex } from './sio-fifo.js';

const SRAM_BASE = 0x20000000;
/** The boot ROM leaves core 0 on this stack; rp2040_entry sets its own at once. */
const CORE0_SP = 0x20042000;
const SIO_CPUID = 0x000;
const SIO_FIFO_ST = 0x050;
const SIO_FIFO_WR = 0x054;
const SIO_FIFO_RD = 0x058;
const IRQ_SIO_PROC0 = 15;
const IRQ_SIO_PROC1 = 16;
const NVIC_ISPR = 0x200;
const NVIC_ICPR = 0x280;
const OP_SEV = 0xbf40;
const OP_WFE = 0xbf20;
/** rp2040js counts every cycle as 8 ns (125 MHz), whatever clk_sys is set to. */
export const CYCLE_NS = 8;
export const WRAP_US = 2 ** 32;

/** The parts of rp2040js's CortexM0Core the runner uses (the class itself is not exported). */
interface Core {
  IPSR: number;
  pendingInterrupts: number;
  PC: number;
  SP: number;
  VTOR: number;
  waiting: boolean;
  eventRegistered: boolean;
  executeInstruction(): number;
  setInterrupt(irq: number, value: boolean): void;
}

interface Clock {
  readonly nanos: number;
  readonly nanosToNextAlarm: number;
  tick(deltaNanos: number): void;
}

interface Sio {
  readUint32(offset: number): number;
  writeUint32(offset: number, value: number): void;
}

export interface MachineOptions {
  /** TIMER count (µs) at reset, e.g. just before 2^32 for wrap tests; default 0 */
  timerPresetUs?: number;
  /** messages of rp2040js itself (unimplemented registers, ...) */
  log?: (line: string) => void;
}

export class Rp2040Machine {
  readonly mcu: RP2040;
  readonly cores: [Core, Core];
  readonly fifos: SioFifos;
  readonly rom: Core1BootRom;
  /** the core whose instruction is executing (what SIO CPUID reads) */
  current: CoreIndex = 0;
  core1Running = false;
  /** the WFE that put a core to sleep, so that only an event (SEV), not just an IRQ, ends it */
  private readonly inWfe: [boolean, boolean] = [false, false];
  readonly clock: Clock;
  instructions = 0;
  /** peripheral interrupt lines that are high */
  private lines = 0;
  /** per core: interrupts pended by software (NVIC ISPR) and not yet taken */
  private readonly swPending: [number, number] = [0, 0];

  constructor(elfBytes: Uint8Array, opts: MachineOptions = {}) {
    this.mcu = new RP2040();
    const log = opts.log ?? (() => {});
    const logger = new ConsoleLogger(LogLevel.Warn, false);
    logger.warn = (c, m) => log(`${c}: ${m}`);
    logger.error = (c, m) => log(`${c}: ${m}`);
    this.mcu.logger = logger;
    this.clock = this.mcu.clock as unknown as Clock;
    const core0 = this.mcu.core as unknown as Core;
    const CoreClass = (core0 as object).constructor as new (mcu: RP2040) => Core;
    const core1 = new CoreClass(this.mcu);
    this.cores = [core0, core1];

    // Peripheral interrupt lines reach both NVICs; each core's SIO FIFO line reaches only its own.
    const mcuAny = this.mcu as unknown as { setInterrupt(irq: number, v: boolean): void };
    mcuAny.setInterrupt = (irq, v) => {
      if (irq !== IRQ_SIO_PROC1) this.drive(0, irq, v);
      if (irq !== IRQ_SIO_PROC0) this.drive(1, irq, v);
    };
    this.fifos = new SioFifos((c, level) => this.drive(c, c === 0 ? IRQ_SIO_PROC0 : IRQ_SIO_PROC1, level));
    this.hookNvicPending(this.mcu.ppb as unknown as Sio);
    this.rom = new Core1BootRom(this.fifos, () => this.signalEvent(0));
    this.hookSio(this.mcu.sio as unknown as Sio);

    if (opts.timerPresetUs) this.clock.tick(opts.timerPresetUs * 1000);
    this.load(elfBytes);
  }

  /**
   * rp2040js keeps one pending bit per interrupt and clears it whenever the peripheral's line
   * goes low, so an interrupt pended by software (NVIC ISPR) is forgotten when the line drops
   * before it is taken. On the chip the pending bit stays until the handler is entered or ICPR
   * clears it (ARMv6-M, "NVIC"). The runner keeps software pends until then: the firmware's
   * cross-core TX kick (a doorbell whose handler pends UART0) depends on it.
   */
  private drive(core: CoreIndex, irq: number, level: boolean): void {
    const bit = 1 << irq;
    this.lines = level ? this.lines | bit : this.lines & ~bit;
    if (!level && this.swPending[core] & bit) return;
    this.cores[core].setInterrupt(irq, level);
  }

  private hookNvicPending(ppb: Sio): void {
    const write = ppb.writeUint32.bind(ppb);
    ppb.writeUint32 = (offset, value) => {
      if (offset === NVIC_ISPR) this.swPending[this.current] |= value;
      write(offset, value);
      if (offset === NVIC_ICPR) {
        // rp2040js ignores ICPR for peripheral interrupts; a line that is low has nothing to re-pend
        this.swPending[this.current] &= ~value;
        this.cores[this.current].pendingInterrupts &= ~(value & ~this.lines);
      }
    };
  }

  /** The core entered the handler of a software-pended interrupt: that pend is used up. */
  private takePending(i: CoreIndex): void {
    const c = this.cores[i];
    const irq = c.IPSR - 16;
    if (irq < 0 || irq >= 32) return;
    const bit = 1 << irq;
    if ((this.swPending[i] & bit) === 0) return;
    this.swPending[i] &= ~bit;
    if ((this.lines & bit) === 0) c.pendingInterrupts &= ~bit;
  }

  private hookSio(sio: Sio): void {
    const read = sio.readUint32.bind(sio);
    const write = sio.writeUint32.bind(sio);
    sio.readUint32 = (offset) => {
      switch (offset) {
        case SIO_CPUID:
          return this.current;
        case SIO_FIFO_ST:
          return this.fifos.status(this.current);
        case SIO_FIFO_RD:
          return this.fifos.read(this.current);
        case SIO_FIFO_WR:
          return 0;
        default:
          return read(offset);
      }
    };
    sio.writeUint32 = (offset, value) => {
      switch (offset) {
        case SIO_FIFO_ST:
          this.fifos.writeStatus(this.current, value);
          return;
        case SIO_FIFO_WR:
          this.fifos.write(this.current, value);
          return;
        case SIO_CPUID:
        case SIO_FIFO_RD:
          return;
        default:
          write(offset, value);
      }
    };
  }

  private load(elfBytes: Uint8Array): void {
    const elf = parseElf32(elfBytes);
    const segments = loadableSegments(elf);
    if (segments.length === 0) throw new Error('the ELF has no loadable segment');
    for (const s of segments) {
      const off = s.address - SRAM_BASE;
      if (off < 0 || off + s.data.length > this.mcu.sram.length) {
        throw new Error(
          `segment at 0x${s.address.toString(16)} (${s.data.length} bytes) is outside SRAM: rp2040-pico images are RAM-only (link.ld)`,
        );
      }
      this.mcu.sram.set(s.data, off);
    }
    // The boot ROM enters a RAM image at the lowest address written, as code (datasheet, UF2).
    const core0 = this.cores[0];
    core0.PC = segments[0].address;
    core0.SP = CORE0_SP;
  }

  /** SEV: sets the event register of the other core, or wakes it from WFE; also its own. */
  private signalEvent(target: CoreIndex): void {
    const c = this.cores[target];
    if (c.waiting && this.inWfe[target]) {
      c.waiting = false;
      this.inWfe[target] = false;
    } else {
      c.eventRegistered = true;
    }
  }

  private exec(i: CoreIndex): number {
    const c = this.cores[i];
    this.current = i;
    (this.mcu as unknown as { core: Core }).core = c;
    const op = this.mcu.readUint16(c.PC & ~1);
    const cycles = c.executeInstruction();
    if (this.swPending[i] !== 0) this.takePending(i);
    if (op === OP_SEV) {
      this.signalEvent(i === 0 ? 1 : 0);
      c.eventRegistered = true;
    }
    if (c.waiting) this.inWfe[i] = op === OP_WFE;
    return cycles;
  }

  /** Both cores asleep (WFI/WFE, or core 1 still parked in the ROM with nothing to read). */
  get idle(): boolean {
    return this.cores[0].waiting && (!this.core1Running || this.cores[1].waiting);
  }

  /**
   * Runs until simulated time reaches untilNs or maxInstructions have executed. While both
   * cores sleep the clock jumps to the next alarm, never past untilNs. Returns the instructions
   * executed.
   */
  run(untilNs: number, maxInstructions: number): number {
    const clock = this.clock;
    const [c0, c1] = this.cores;
    let n = 0;
    while (n < maxInstructions && clock.nanos < untilNs) {
      if (!this.core1Running) {
        const launch = this.rom.step();
        if (launch) {
          c1.VTOR = launch.vectorTable >>> 0;
          c1.SP = launch.stackPointer >>> 0;
          c1.PC = (launch.entry & ~1) >>> 0;
          this.core1Running = true;
        }
      }
      const run0 = !c0.waiting;
      const run1 = this.core1Running && !c1.waiting;
      if (!run0 && !run1) {
        const next = clock.nanosToNextAlarm;
        const room = untilNs - clock.nanos;
        clock.tick(next > 0 && next < room ? next : room);
        continue;
      }
      // The cores run side by side: a round takes as long as the slower instruction.
      const d0 = run0 ? this.exec(0) : 0;
      const d1 = run1 ? this.exec(1) : 0;
      n += (run0 ? 1 : 0) + (run1 ? 1 : 0);
      clock.tick((d0 > d1 ? d0 : d1) * CYCLE_NS);
    }
    this.instructions += n;
    return n;
  }

  /** TIMER count in µs (the 64-bit TIMERAWH:TIMERAWL). */
  get timerUs(): number {
    return Math.floor(this.clock.nanos / 1000);
  }

  /** Moves the TIMER forward by deltaUs with the cores stalled; alarms due meanwhile fire. */
  advanceTimer(deltaUs: number): void {
    this.clock.tick(deltaUs * 1000);
  }
}
