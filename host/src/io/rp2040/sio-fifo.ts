// The RP2040's inter-core FIFOs and the boot ROM's core-1 launch handshake, as the RP2040
// datasheet describes them (§2.3.1.7 "Inter-processor FIFOs", §2.8.2 "Launching code on
// processor core 1"). rp2040js 1.4.1 models neither, so the runner adds them on top of it.
// Pure state: no emulator types, so the tests can drive it with a scripted core 0.

/** FIFO_ST bits (datasheet, SIO FIFO_ST). */
export const FIFO_ST_VLD = 1 << 0; // this core's RX FIFO holds data
export const FIFO_ST_RDY = 1 << 1; // this core's TX FIFO has room
export const FIFO_ST_WOF = 1 << 2; // sticky: TX FIFO written while full (the write was dropped)
export const FIFO_ST_ROE = 1 << 3; // sticky: RX FIFO read while empty
/** Each direction is 8 words deep on the RP2040. */
export const FIFO_DEPTH = 8;

export type CoreIndex = 0 | 1;

/**
 * Two FIFOs: core 0 → core 1 and core 1 → core 0. Each core sees its own FIFO_ST, writes its TX
 * FIFO (FIFO_WR) and reads its RX FIFO (FIFO_RD). WOF and ROE are per core and write-1-to-clear.
 * The SIO_IRQ_PROCn line of core n is high while its RX FIFO holds data or either flag is set.
 */
export class SioFifos {
  /** queue[n] is the FIFO core n reads (written by the other core) */
  private readonly queue: [number[], number[]] = [[], []];
  private readonly flags: [number, number] = [0, 0];

  /** called with the new level of SIO_IRQ_PROC0/1 after every change that can move it */
  constructor(private readonly onIrq: (core: CoreIndex, level: boolean) => void = () => {}) {}

  status(core: CoreIndex): number {
    const rx = this.queue[core];
    const tx = this.queue[other(core)];
    return (rx.length > 0 ? FIFO_ST_VLD : 0) | (tx.length < FIFO_DEPTH ? FIFO_ST_RDY : 0) | this.flags[core];
  }

  /** FIFO_ST write: each set WOF/ROE bit clears that flag; other bits are read-only. */
  writeStatus(core: CoreIndex, value: number): void {
    this.flags[core] &= ~(value & (FIFO_ST_WOF | FIFO_ST_ROE));
    this.update(core);
  }

  /** FIFO_WR: a write to a full FIFO is dropped and sets the writer's WOF. */
  write(core: CoreIndex, value: number): void {
    const tx = this.queue[other(core)];
    if (tx.length >= FIFO_DEPTH) {
      this.flags[core] |= FIFO_ST_WOF;
      this.update(core);
      return;
    }
    tx.push(value >>> 0);
    this.update(other(core));
  }

  /** FIFO_RD: a read of an empty FIFO returns 0 and sets the reader's ROE. */
  read(core: CoreIndex): number {
    const rx = this.queue[core];
    const v = rx.shift();
    if (v === undefined) this.flags[core] |= FIFO_ST_ROE;
    this.update(core);
    return v ?? 0;
  }

  irqLevel(core: CoreIndex): boolean {
    return this.queue[core].length > 0 || this.flags[core] !== 0;
  }

  private update(core: CoreIndex): void {
    this.onIrq(core, this.irqLevel(core));
  }
}

function other(core: CoreIndex): CoreIndex {
  return core === 0 ? 1 : 0;
}

export interface Core1Launch {
  vectorTable: number;
  stackPointer: number;
  entry: number;
}

/**
 * What the boot ROM runs on core 1 until it is launched: pop a word from core 1's RX FIFO, echo
 * it back, and advance through 0, 0, 1, VTOR, SP, entry. A 0 starts the sequence again (so
 * VTOR, SP and entry are never 0), and any other word that breaks the 0, 0, 1 prefix discards
 * it. An echo waits while core 0's RX FIFO is full, as the ROM's blocking push does.
 */
export class Core1BootRom {
  private readonly words: number[] = [];
  private pendingEcho: number | undefined;
  private launched: Core1Launch | undefined;

  /** sev: the ROM's SEV after each echo, which wakes core 0 from its WFE */
  constructor(
    private readonly fifos: SioFifos,
    private readonly sev: () => void = () => {},
  ) {}

  get launch(): Core1Launch | undefined {
    return this.launched;
  }

  /** One ROM step; returns the launch parameters once the sequence is complete. */
  step(): Core1Launch | undefined {
    if (this.launched) return this.launched;
    if (this.pendingEcho !== undefined) {
      if ((this.fifos.status(1) & FIFO_ST_RDY) === 0) return undefined;
      this.fifos.write(1, this.pendingEcho);
      this.pendingEcho = undefined;
      this.sev();
      if (this.words.length === 6) {
        const [, , , vectorTable, stackPointer, entry] = this.words;
        this.launched = { vectorTable, stackPointer, entry };
      }
      return this.launched;
    }
    if ((this.fifos.status(1) & FIFO_ST_VLD) === 0) return undefined;
    const cmd = this.fifos.read(1);
    const w = this.words;
    if (cmd === 0) {
      // a 0 always (re)starts the sequence: core 0 restarts with 0, 0, 1 after a wrong echo
      w.length = w.length === 1 ? 2 : 1;
      w.fill(0);
    } else if (w.length >= 3 || (w.length === 2 && cmd === 1)) {
      w.push(cmd);
    } else {
      w.length = 0;
    }
    this.pendingEcho = cmd;
    return this.step();
  }
}
