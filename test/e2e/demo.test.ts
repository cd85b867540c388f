// `tracepipe demo`, the README's first command: builds the demo firmware, runs it under its
// board's emulator for a few seconds, shows a named stretch of the timeline, the stats and the
// commands to try next. Every record of the demo has a name from its ELF; a dual-core board
// records on both cores. The capture must decode with every core's books closed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactDir, cli, lines, ROOT, statsOf } from './helpers.js';

interface Decoded {
  type: 'event' | 'loss';
  core: number;
  kind: string;
  name?: string;
  text?: string;
  level?: string;
}

/** The events and the loss records, in the merged order (a loss sorts where its window starts). */
async function decodeNamed(capture: string, elf: string): Promise<Decoded[]> {
  const r = await cli(['decode', capture, '--elf', elf, '-f', 'jsonl'], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return lines(r.stdout)
    .map((l) => JSON.parse(l) as Decoded)
    .filter((e) => e.type === 'event' || e.type === 'loss');
}

const count = (evs: Decoded[], pred: (e: Decoded) => boolean) => evs.filter(pred).length;

async function runDemo(board: string, cores: number): Promise<void> {
  const out = join(artifactDir(`demo-${board}`), 'demo.tpt');
  const r = await cli(['demo', '--board', board, '--duration', '2', '-o', out], { timeoutMs: 240_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`capture: ${out}`);
  expect(r.stdout).toMatch(/stopped: duration reached/);
  expect(r.stdout).toMatch(/identity: generated = decoded \+ dropped \+ overwritten \+ link_lost \+ rejected holds/);
  // the FINALs closed the books in time: no warning that they did not come (a two-core merge
  // once held the last one back, so the host waited out its deadline and then said so)
  expect(r.stderr).not.toMatch(/warning/);
  // the timeline comes first, by name, then the next commands
  expect(r.stdout.indexOf('timeline (')).toBeLessThan(r.stdout.indexOf('capture: '));
  expect(r.stdout).toMatch(/core 0 (isr_enter {2}app_timer|event {6}tick n=\d+|span_begin work)/);
  expect(r.stdout).not.toMatch(/id=\d+/);
  for (const next of ['tracepipe view', 'tracepipe export', '--follow']) expect(r.stdout).toContain(next);
  if (cores > 1) {
    expect(r.stdout).toContain(`${cores} cores merged in time order`);
    expect(r.stdout).toMatch(/^ {2}[\d.]+ core 1 /m);
  }
  expect(existsSync(out)).toBe(true);
  await checkDemoCapture(out, board, cores);
}

/** What every demo capture holds, by name; returns the events core 0's books count as lost. */
async function checkDemoCapture(out: string, board: string, cores: number): Promise<number> {
  const s = await statsOf(out);
  expect(s.identity).toBe(true);
  expect(s.cores.map((c) => c.core)).toEqual([...Array(cores).keys()]);
  for (const c of s.cores) {
    expect(c.decoded).toBeGreaterThan(0);
    expect(c.link_lost).toBe(0);
  }

  const all = await decodeNamed(out, join(ROOT, 'build', board, 'demo.elf'));
  const evs = all.filter((e) => e.type === 'event');
  // every event has a name from the ELF
  expect(evs.filter((e) => e.name === undefined)).toEqual([]);
  // exactly once per run
  expect(count(evs, (e) => e.kind === 'mark' && e.name === 'boot')).toBe(1);
  expect(count(evs, (e) => e.kind === 'log' && e.text === `demo on ${board}: ${cores} core(s), tick 1000 Hz`)).toBe(1);
  const c0 = evs.filter((e) => e.core === 0);
  // balanced pairs, up to one left open by the stop, plus one per event core 0's books say it lost
  // (a loaded machine can fill the ring: a dropped exit leaves its enter unpaired, and the books say so)
  const lost0 = (({ dropped, overwritten, rejected }) => dropped + overwritten + rejected)(s.cores[0]);
  const diff = (a: string, b: string, name: string) => count(c0, (e) => e.kind === a && e.name === name) - count(c0, (e) => e.kind === b && e.name === name);
  expect(Math.abs(diff('isr_enter', 'isr_exit', 'app_timer'))).toBeLessThanOrEqual(1 + lost0);
  expect(Math.abs(diff('span_begin', 'span_end', 'work'))).toBeLessThanOrEqual(1 + lost0);
  if (lost0 === 0) {
    expect(diff('isr_enter', 'isr_exit', 'app_timer')).toBeGreaterThanOrEqual(0);
    expect(diff('span_begin', 'span_end', 'work')).toBeGreaterThanOrEqual(0);
  }
  // one tick event per interrupt, numbered 1, 2, 3, ... in order; where core 0's books count
  // lost events (a loaded machine filled the ring), gaps of at most that many, never disorder
  const ticks = c0.filter((e) => e.kind === 'event' && e.name === 'tick').map((e) => e.text);
  expect(ticks.length).toBeGreaterThan(0);
  if (lost0 === 0) {
    expect(ticks).toEqual(ticks.map((_, i) => `tick n=${i + 1}`));
    expect(ticks.length).toBe(count(c0, (e) => e.kind === 'isr_enter'));
  } else {
    const n = ticks.map((t) => Number(/^tick n=(\d+)$/.exec(t ?? '')?.[1] ?? NaN));
    for (let i = 1; i < n.length; i++) expect(n[i]).toBeGreaterThan(n[i - 1]);
    expect(n[n.length - 1] - n.length).toBeLessThanOrEqual(lost0);
    expect(Math.abs(ticks.length - count(c0, (e) => e.kind === 'isr_enter'))).toBeLessThanOrEqual(lost0);
  }
  // one mark and one debug log after every 100th work_done, in that order. The stop can land
  // between any two records of the main loop, so only the last such triple may be cut short.
  // Where core 0's books count losses, a loss record (at the start of its window) stands where
  // records are missing: the triples are checked between losses, by the iteration the log names.
  const iterations = count(c0, (e) => e.kind === 'event' && e.name === 'work_done');
  const loop = all.filter((e) => e.core === 0 && !(e.kind === 'isr_enter' || e.kind === 'isr_exit' || (e.kind === 'event' && e.name === 'tick')));
  const debugLine = /^iteration (\d+): checksum [0-9a-f]{8}$/;
  if (lost0 === 0) {
    expect(loop.filter((e) => e.type === 'loss')).toEqual([]);
    let n = 0;
    for (let i = 0; i < loop.length; i++) {
      if (!(loop[i].kind === 'event' && loop[i].name === 'work_done' && ++n % 100 === 0)) continue;
      const [mark, debug] = [loop[i + 1], loop[i + 2]];
      if (mark !== undefined) expect(mark).toMatchObject({ kind: 'mark', name: 'hundred' });
      if (debug !== undefined) expect(debug).toMatchObject({ kind: 'log', level: 'debug', text: expect.stringMatching(new RegExp(`^iteration ${n}: checksum [0-9a-f]{8}$`)) });
    }
    expect(n).toBe(iterations);
  } else {
    let last = 0;
    for (let i = 0; i < loop.length; i++) {
      const [before, e, after] = [loop[i - 1], loop[i], loop[i + 1]];
      if (e.kind === 'mark' && e.name === 'hundred') {
        if (before !== undefined && before.type !== 'loss') expect(before).toMatchObject({ kind: 'event', name: 'work_done' });
        if (after !== undefined && after.type !== 'loss') expect(after).toMatchObject({ kind: 'log', level: 'debug', text: expect.stringMatching(debugLine) });
      }
      if (e.kind === 'log' && e.level === 'debug') {
        const it = Number(debugLine.exec(e.text ?? '')?.[1]);
        expect(it % 100).toBe(0);
        expect(it).toBeGreaterThan(last);
        last = it;
        if (before !== undefined && before.type !== 'loss') expect(before).toMatchObject({ kind: 'mark', name: 'hundred' });
      }
    }
    expect(last).toBeLessThanOrEqual(iterations + lost0);
  }
  const marks = count(c0, (e) => e.kind === 'mark' && e.name === 'hundred');
  const debugs = count(c0, (e) => e.kind === 'log' && e.level === 'debug');
  if (lost0 === 0) {
    expect(Math.floor(iterations / 100) - marks).toBeGreaterThanOrEqual(0);
    expect(Math.floor(iterations / 100) - marks).toBeLessThanOrEqual(1);
    expect(marks - debugs).toBeGreaterThanOrEqual(0);
    expect(marks - debugs).toBeLessThanOrEqual(1);
  } else {
    expect(Math.abs(Math.floor(iterations / 100) - marks)).toBeLessThanOrEqual(1 + lost0);
    expect(Math.abs(marks - debugs)).toBeLessThanOrEqual(1 + lost0);
  }
  expect(count(c0, (e) => e.kind === 'counter' && e.name === 'queue_depth')).toBeGreaterThanOrEqual(iterations - lost0);
  if (cores > 1) {
    const c1 = evs.filter((e) => e.core === 1);
    expect(count(c1, (e) => e.kind === 'log' && e.text === 'core 1: filter worker started')).toBe(1);
    expect(count(c1, (e) => e.kind === 'span_begin' && e.name === 'filter')).toBeGreaterThan(0);
    expect(count(c1, (e) => e.kind === 'event' && e.name === 'filtered')).toBeGreaterThan(0);
  }
  return lost0;
}

describe('tracepipe demo', () => {
  it('qemu-mps2-an385: builds, runs, shows the named timeline, stats and next commands', async () => {
    await runDemo('qemu-mps2-an385', 1);
  });
  it('qemu-mps2-an386: the Cortex-M4 build of the same machine', async () => {
    await runDemo('qemu-mps2-an386', 1);
  });
  it('qemu-mps2-an521: both cores in one named timeline', async () => {
    await runDemo('qemu-mps2-an521', 2);
  });
  it('microbit: the same demo on the nRF51 machine', async () => {
    await runDemo('microbit', 1);
  });
  it('rp2040-pico: both cores under rp2040js', async () => {
    await runDemo('rp2040-pico', 2);
  });
  it('the same checks hold where the ring dropped: the an385 demo on a link paced at 9600 baud', async () => {
    // what a loaded machine does to the demo now and then, made certain: the checks' lossy branch
    const out = join(artifactDir('demo-paced'), 'demo.tpt');
    const r = await cli(['run', join(ROOT, 'build', 'qemu-mps2-an385', 'demo.elf'), '-o', out, '--force', '--duration', '2', '--baud', '9600'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(await checkDemoCapture(out, 'qemu-mps2-an385', 1)).toBeGreaterThan(0);
  });
});
