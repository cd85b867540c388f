// The inter-core FIFOs and the core-1 launch handshake against the RP2040 datasheet: §2.3.1.7
// (8-deep FIFOs; VLD, RDY; WOF and ROE sticky, write-1-to-clear; the SIO IRQ while data is
// waiting or a flag is set) and §2.8.2 (core 0 sends 0, 0, 1, VTOR, SP, entry; core 1 echoes
// each word; a wrong echo makes core 0 start over, draining its RX FIFO before every 0).
import { describe, expect, it } from 'vitest';
import { Core1BootRom, FIFO_DEPTH, FIFO_ST_RDY, FIFO_ST_ROE, FIFO_ST_VLD, FIFO_ST_WOF, SioFifos } from './sio-fifo.js';

describe('SIO FIFOs', () => {
  it('core 0 writes reach core 1 in order; VLD and RDY follow the fill level', () => {
    const f = new SioFifos();
    expect(f.status(0)).toBe(FIFO_ST_RDY);
    expect(f.status(1)).toBe(FIFO_ST_RDY);
    for (let i = 0; i < FIFO_DEPTH; i++) f.write(0, 100 + i);
    expect(f.status(0) & FIFO_ST_RDY).toBe(0); // core 0's TX FIFO is full
    expect(f.status(1) & FIFO_ST_VLD).toBe(FIFO_ST_VLD);
    expect(f.status(0) & FIFO_ST_VLD).toBe(0); // nothing for core 0
    const got = Array.from({ length: FIFO_DEPTH }, () => f.read(1));
    expect(got).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    expect(f.status(1) & FIFO_ST_VLD).toBe(0);
    expect(f.status(0) & FIFO_ST_RDY).toBe(FIFO_ST_RDY);
  });

  it('a write when full is dropped and sets WOF; a read when empty sets ROE; writing 0 clears neither, 0xFF both', () => {
    const f = new SioFifos();
    for (let i = 0; i <= FIFO_DEPTH; i++) f.write(1, i);
    expect(f.status(1) & FIFO_ST_WOF).toBe(FIFO_ST_WOF);
    expect(f.status(0) & FIFO_ST_WOF).toBe(0); // per core
    for (let i = 0; i < FIFO_DEPTH; i++) expect(f.read(0)).toBe(i); // the 9th word never arrived
    expect(f.read(0)).toBe(0);
    expect(f.status(0) & FIFO_ST_ROE).toBe(FIFO_ST_ROE);
    f.writeStatus(1, 0);
    f.writeStatus(0, 0);
    expect(f.status(1) & FIFO_ST_WOF).toBe(FIFO_ST_WOF);
    expect(f.status(0) & FIFO_ST_ROE).toBe(FIFO_ST_ROE);
    f.writeStatus(1, 0xff);
    f.writeStatus(0, FIFO_ST_ROE);
    expect(f.status(1)).toBe(FIFO_ST_RDY);
    expect(f.status(0)).toBe(FIFO_ST_RDY);
  });

  it("each core's SIO IRQ is high while its RX FIFO holds data or a flag is set", () => {
    const levels: [boolean, boolean] = [false, false];
    const f = new SioFifos((c, level) => (levels[c] = level));
    f.write(1, 7);
    expect(levels).toEqual([true, false]);
    f.read(0);
    expect(levels).toEqual([false, false]);
    f.read(0); // underflow
    expect(levels).toEqual([true, false]);
    f.writeStatus(0, FIFO_ST_ROE);
    expect(levels).toEqual([false, false]);
    for (let i = 0; i <= FIFO_DEPTH; i++) f.write(0, i); // core 1 gets data, core 0 gets WOF
    expect(levels).toEqual([true, true]);
  });
});

/**
 * Core 0's side of datasheet §2.8.2, step by step, with the ROM running alongside (one ROM step
 * before each of core 0's FIFO accesses, as core 1 runs concurrently). beforeRead(i) may
 * disturb core 0's RX FIFO just before it reads the echo of word i.
 */
function launchFromCore0(
  f: SioFifos,
  rom: Core1BootRom,
  seq: number[],
  beforeRead: (i: number) => void = () => {},
): { echoes: number[]; restarts: number } {
  const echoes: number[] = [];
  let restarts = 0;
  let i = 0;
  let steps = 0;
  const rx = () => {
    rom.step();
    if (++steps > 1000) throw new Error('core 1 never answered');
    return f.status(0);
  };
  while (i < seq.length) {
    const cmd = seq[i];
    if (cmd === 0) {
      while (rx() & FIFO_ST_VLD) f.read(0); // drain before every 0
    }
    while ((rx() & FIFO_ST_RDY) === 0);
    f.write(0, cmd);
    while ((rx() & FIFO_ST_VLD) === 0);
    beforeRead(i);
    const response = f.read(0);
    echoes.push(response);
    if (response === cmd) i++;
    else {
      i = 0;
      restarts++;
    }
  }
  return { echoes, restarts };
}

describe('core-1 launch handshake (boot ROM side)', () => {
  const VT = 0x20000100;
  const SP = 0x20041000;
  const ENTRY = 0x20000a41;

  it('echoes 0, 0, 1, VTOR, SP, entry and launches with them; SEV after each echo', () => {
    const f = new SioFifos();
    let sevs = 0;
    const rom = new Core1BootRom(f, () => sevs++);
    expect(rom.step()).toBeUndefined(); // nothing sent yet: core 1 stays parked
    const r = launchFromCore0(f, rom, [0, 0, 1, VT, SP, ENTRY]);
    expect(r).toEqual({ echoes: [0, 0, 1, VT, SP, ENTRY], restarts: 0 });
    expect(rom.launch).toEqual({ vectorTable: VT, stackPointer: SP, entry: ENTRY });
    expect(sevs).toBe(6);
    expect(f.status(0)).toBe(FIFO_ST_RDY); // both FIFOs empty, no flag
    expect(f.status(1)).toBe(FIFO_ST_RDY);
  });

  it('does not launch before the sixth echo has been pushed', () => {
    const f = new SioFifos();
    const rom = new Core1BootRom(f);
    launchFromCore0(f, rom, [0, 0, 1, VT, SP]);
    expect(rom.launch).toBeUndefined();
    f.write(0, ENTRY);
    expect(rom.step()).toEqual({ vectorTable: VT, stackPointer: SP, entry: ENTRY });
    expect(f.read(0)).toBe(ENTRY);
  });

  it('a stale word ahead of the sequence is drained by core 0 before its first 0', () => {
    const f = new SioFifos();
    const rom = new Core1BootRom(f);
    f.write(0, 0x55); // e.g. a doorbell left in core 1's FIFO
    const r = launchFromCore0(f, rom, [0, 0, 1, VT, SP, ENTRY]);
    expect(r.restarts).toBe(0);
    expect(rom.launch).toEqual({ vectorTable: VT, stackPointer: SP, entry: ENTRY });
  });

  it('a wrong echo makes core 0 start over from 0 mid-sequence; core 1 follows and launches with the resent words', () => {
    const f = new SioFifos();
    const rom = new Core1BootRom(f);
    let injected = false;
    const r = launchFromCore0(f, rom, [0, 0, 1, VT, SP, ENTRY], (i) => {
      // a stray word reaches core 0 ahead of the echo of VTOR: core 0 sees a wrong echo
      if (i === 3 && !injected) {
        injected = true;
        const queued: number[] = [];
        while (f.status(0) & FIFO_ST_VLD) queued.push(f.read(0));
        f.write(1, 0x77);
        for (const q of queued) f.write(1, q);
      }
    });
    expect(r.restarts).toBe(1);
    expect(r.echoes.slice(0, 4)).toEqual([0, 0, 1, 0x77]);
    expect(rom.launch).toEqual({ vectorTable: VT, stackPointer: SP, entry: ENTRY });
  });

  it('0, 1 (one zero missing) is not accepted: core 1 waits for 0, 0, 1 again', () => {
    const f = new SioFifos();
    const rom = new Core1BootRom(f);
    for (const w of [0, 1, VT, SP, ENTRY, 0x1234]) {
      f.write(0, w);
      rom.step();
      expect(f.read(0)).toBe(w); // every word is echoed
    }
    expect(rom.launch).toBeUndefined();
  });

  it('an echo waits while core 0 has not made room in its full RX FIFO', () => {
    const f = new SioFifos();
    const rom = new Core1BootRom(f);
    for (let i = 0; i < FIFO_DEPTH; i++) f.write(1, 0xdead0000 + i); // core 0's RX FIFO full
    f.write(0, 0);
    rom.step();
    rom.step();
    expect(f.status(1) & FIFO_ST_WOF).toBe(0); // the ROM never overflows it
    expect(f.read(0)).toBe(0xdead0000);
    rom.step();
    const rest = Array.from({ length: FIFO_DEPTH }, () => f.read(0));
    expect(rest[rest.length - 1]).toBe(0); // the echo landed once there was room
  });
});
