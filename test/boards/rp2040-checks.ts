// The checks the rp2040-pico runs share whatever the transport (rp2040.test.ts over UART,
// rp2040-usb.test.ts over USB-CDC): the same apps, so the same truths about their captures.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { statsOf, type CliResult } from '../e2e/helpers.js';
import { decodeFile, stressCheck } from '../stress/decode.js';
import { decodeStream } from './helpers.js';

const XOR = 0xa5a5a5a5;
const MC_ID_BASE = 0x10;

/** e2e_clean: every event, id 1 on core 0, seq 0.. in order with its check word, time non-decreasing. */
export async function expectCleanPayloads(capture: string, events: number): Promise<void> {
  let n = 0;
  let bad = 0;
  let prevT = -1n;
  const d = await decodeStream(capture, (rec) => {
    if (rec.type !== 'event') return;
    const [seq, check] = rec.args as number[];
    const t = BigInt(rec.t_ns as string);
    if (!(rec.id === 1 && rec.core === 0 && seq === n && check === (seq ^ XOR) >>> 0 && t >= prevT)) bad++;
    prevT = t;
    n++;
  });
  expect(d.code).toBe(0);
  expect({ n, bad }).toEqual({ n: events, bad: 0 });
}

/** e2e_overload: what arrived is id 2 with its check word, seq increasing (gaps are the drops). */
export async function expectOverloadPayloads(capture: string): Promise<void> {
  let prevSeq = -1;
  let bad = 0;
  await decodeStream(capture, (rec) => {
    if (rec.type !== 'event') return;
    const [seq, check] = rec.args as number[];
    if (!(rec.id === 2 && check === (seq ^ XOR) >>> 0 && seq > prevSeq)) bad++;
    prevSeq = seq;
  });
  expect(bad).toBe(0);
}

/**
 * multicore_discard: per-core identity and ground truth, per-core order, merged time
 * non-decreasing, and the cores recording at the same time, not one after the other.
 */
export async function expectMulticore(consoleText: string, capture: string, events: number): Promise<void> {
  const gt = parseGroundTruth(consoleText);
  expect(gt.done).toBe(true);
  expect(gt.cores.map((c) => c.core)).toEqual([0, 1]);
  const stats = await statsOf(capture);
  expect(stats.identity).toBe(true);
  for (const fw of gt.cores) {
    const host = stats.cores[fw.core];
    expect(fw.generated).toBe(events);
    const { core, generated, dropped, rejected, overwritten, link_lost } = host;
    expect({ core, generated, dropped, rejected, overwritten, link_lost }).toEqual({
      core: fw.core,
      generated: fw.generated,
      dropped: fw.dropped,
      rejected: fw.rejected,
      overwritten: fw.overwritten,
      link_lost: 0,
    });
    expect(host.decoded).toBe(fw.committed);
    expect(host.decoded).toBeGreaterThan(0);
  }
  const lastSeq = [-1, -1];
  const span: [bigint, bigint][] = [
    [-1n, -1n],
    [-1n, -1n],
  ];
  let bad = 0;
  let backwards = 0;
  let prevT = -1n;
  await decodeStream(capture, (rec) => {
    if (rec.type !== 'event') return;
    const core = rec.core as number;
    const [c, seq] = rec.args as number[];
    const t = BigInt(rec.t_ns as string);
    if (!(rec.id === MC_ID_BASE + core && c === core && seq > lastSeq[core] && seq < events)) bad++;
    lastSeq[core] = seq;
    if (t < prevT) backwards++;
    prevT = t;
    if (span[core][0] < 0n) span[core][0] = t;
    span[core][1] = t;
  });
  expect({ bad, backwards }).toEqual({ bad: 0, backwards: 0 });
  expect(span[0][0] < span[1][1] && span[1][0] < span[0][1]).toBe(true);
}

/** A `tracepipe dump` of flight_recorder: the ring's events, overwritten > 0, the host agrees with the firmware. */
export async function expectDumpAgrees(r: CliResult, capture: string, log: string): Promise<void> {
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/\(host agrees\)/);
  const text = readFileSync(log, 'utf8');
  const gt = parseGroundTruth(text);
  expect(gt.done, text).toBe(true);
  const generated = new Map<number, number>();
  for (const m of text.matchAll(/^TPCTX core=0 ctx=(\d+) generated=(\d+)/gm)) generated.set(+m[1], +m[2]);
  const d = await decodeFile(capture);
  expect(d.headers[0].header.boot).toBe(true);
  expect(d.headers[0].header.mode).toBe('overwrite');
  const host = d.stats[0];
  expect(host.generated).toBe(host.decoded + host.dropped + host.rejected + host.overwritten + host.link_lost);
  const { dropped, rejected, overwritten, link_lost } = host;
  expect({ generated: host.generated, dropped, rejected, overwritten, link_lost }).toEqual({
    generated: gt.cores[0].generated,
    dropped: gt.cores[0].dropped,
    rejected: gt.cores[0].rejected,
    overwritten: gt.cores[0].overwritten,
    link_lost: 0,
  });
  expect(host.overwritten).toBeGreaterThan(0);
  const chk = stressCheck(d.events, generated);
  expect({ torn: chk.torn, dup: chk.duplicatedOrReordered, invented: chk.invented }).toEqual({ torn: 0, dup: 0, invented: 0 });
}
