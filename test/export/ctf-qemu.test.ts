// Issue 14 item 1: the CTF export of real QEMU captures carries every event at exactly the
// time `tracepipe decode` gives it, and babeltrace2's discarded-event reports add up to the
// losses. Captures: the single-core overload app (drops), the two-core an521 app stopped while
// both cores still record (drops, and packets that arrive after a FINAL status, whose events
// lie inside the FINAL's loss window: the case that used to be moved), and the single-core
// capture with bytes cut out of its stream (link_lost).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptureParser } from '../../host/src/core/capture-format.js';
import { boardElf, requireBoardBuilt } from '../boards/helpers.js';
import { artifactDir, cli } from '../e2e/helpers.js';
import { babeltrace } from './babeltrace.js';

const AN385 = 'qemu-mps2-an385';
const AN521 = 'qemu-mps2-an521';
const dir = artifactDir('ctf-qemu');

interface Loss {
  core: number;
  cause: string;
  count: number;
  from: bigint;
  to: bigint;
}

interface Decoded {
  events: { core: number; t: bigint; kind: string; id: number }[];
  losses: Loss[];
}

async function decode(file: string): Promise<Decoded> {
  const r = await cli(['decode', '--format', 'jsonl', file]);
  expect(r.code, r.stderr).toBe(0);
  const out: Decoded = { events: [], losses: [] };
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const j = JSON.parse(line);
    if (j.type === 'event') out.events.push({ core: j.core, t: BigInt(j.t_ns), kind: j.kind, id: j.id });
    if (j.type === 'loss') out.losses.push({ core: j.core, cause: j.cause, count: j.count, from: BigInt(j.from_ns), to: BigInt(j.to_ns) });
  }
  return out;
}

/**
 * The windows CTF can show for one core's losses, in order: equal windows add up, and a
 * window that starts before the end of the previous one joins it (packet bounds cannot
 * overlap), and so does a zero-length window at its end. Written from the rule, not from the exporter.
 */
function expectedWindows(losses: Loss[]): { from: bigint; to: bigint; count: number; linkLost: boolean }[] {
  const out: { from: bigint; to: bigint; count: number; linkLost: boolean }[] = [];
  for (const l of losses) {
    const cur = out[out.length - 1];
    // a zero-length window at the end of the previous one joins it too (a packet after a FINAL status)
    if (cur && (l.from < cur.to || (l.from === cur.to && l.to === l.from && (l.from !== cur.from || l.to !== cur.to)))) {
      if (l.from < cur.from) cur.from = l.from;
      if (l.to > cur.to) cur.to = l.to;
    } else if (!cur || l.from !== cur.from || l.to !== cur.to) {
      out.push({ from: l.from, to: l.to, count: 0, linkLost: false });
    }
    const last = out[out.length - 1];
    last.count += l.count;
    if (l.cause === 'link_lost') last.linkLost = true;
  }
  return out;
}

async function checkCtf(name: string, capture: string, cores: number) {
  const d = await decode(capture);
  const ctf = join(dir, `${name}.ctf`);
  rmSync(ctf, { recursive: true, force: true });
  const ex = await cli(['export', capture, '-f', 'ctf', '-o', ctf, '--no-wall-clock']);
  expect(ex.code, ex.stderr).toBe(0);
  // no event carries another time than its own
  expect(ex.stderr).not.toMatch(/carry the earlier time/);
  const bt = babeltrace(ctf, 'seconds');
  expect(bt.events.length).toBe(d.events.length);
  let moved = 0;
  for (let core = 0; core < cores; core++) {
    const mine = d.events.filter((e) => e.core === core);
    const theirs = bt.events.filter((e) => e.cpu === core);
    expect(theirs.length).toBe(mine.length);
    theirs.forEach((b, i) => {
      if (b.time !== mine[i].t) moved++;
      expect(b.name.startsWith(mine[i].kind)).toBe(true);
      expect(b.fields.get('id') ?? b.fields.get('irq')).toBe(String(mine[i].id));
    });
    const losses = d.losses.filter((l) => l.core === core);
    const want = expectedWindows(losses);
    const got = bt.discards.filter((x) => x.stream === core && x.what === 'events');
    expect(got.reduce((s, x) => s + x.count, 0)).toBe(losses.reduce((s, l) => s + l.count, 0));
    expect(got.map((x) => ({ from: x.from, to: x.to, count: x.count }))).toEqual(want.map((w) => ({ from: w.from, to: w.to, count: w.count })));
    const packets = bt.discards.filter((x) => x.stream === core && x.what === 'packets');
    expect(packets.length).toBe(want.filter((w) => w.linkLost).length);
  }
  expect(moved).toBe(0);
  return d;
}

/** The data bytes of a capture with `cuts` slices of `len` bytes removed: link_lost on real bytes. */
function cutStream(capture: string, out: string, cuts: number, len: number): void {
  const parts: Uint8Array[] = [];
  const p = new CaptureParser({ data: (_ns, bytes) => parts.push(bytes.slice()) });
  p.push(readFileSync(capture));
  p.end();
  const all = Buffer.concat(parts);
  const kept: Buffer[] = [];
  let at = 0;
  for (let i = 1; i <= cuts; i++) {
    const cut = Math.floor((all.length * i) / (cuts + 1));
    kept.push(all.subarray(at, cut));
    at = cut + len;
  }
  kept.push(all.subarray(at));
  writeFileSync(out, Buffer.concat(kept));
}

describe('CTF export of real QEMU captures, read by babeltrace2', () => {
  const overload = join(dir, 'overload.tpt');
  const twoCore = join(dir, 'multicore.tpt');
  const twoCoreOverwrite = join(dir, 'multicore-overwrite.tpt');
  beforeAll(async () => {
    requireBoardBuilt(AN385, 'e2e_overload');
    requireBoardBuilt(AN521, 'multicore_discard', 'multicore_overwrite');
    mkdirSync(dir, { recursive: true });
    const a = await cli(['run', '--board', AN385, boardElf(AN385, 'e2e_overload'), '-o', overload], { timeoutMs: 90_000 });
    expect(a.code, a.stderr).toBe(0);
    // stopped while both cores still record: the FINAL statuses race the last packets
    const b = await cli(['run', '--board', AN521, boardElf(AN521, 'multicore_discard'), '-o', twoCore, '--duration', '3'], {
      timeoutMs: 90_000,
    });
    expect(b.code, b.stderr).toBe(0);
    const c = await cli(['run', '--board', AN521, boardElf(AN521, 'multicore_overwrite'), '-o', twoCoreOverwrite, '--duration', '3'], {
      timeoutMs: 90_000,
    });
    expect(c.code, c.stderr).toBe(0);
  }, 300_000);

  it('single core with drops: every event at its decode time, discarded counts = losses', async () => {
    const d = await checkCtf('overload', overload, 1);
    expect(d.losses.some((l) => l.cause === 'dropped')).toBe(true);
  });

  it('two cores, stopped mid-run: no event moved, even those inside a loss window', async () => {
    const d = await checkCtf('multicore', twoCore, 2);
    expect(d.losses.filter((l) => l.core === 0).length).toBeGreaterThan(0);
    expect(d.losses.filter((l) => l.core === 1).length).toBeGreaterThan(0);
  });

  it('two cores in overwrite mode, stopped mid-run: no event moved', async () => {
    const d = await checkCtf('multicore-overwrite', twoCoreOverwrite, 2);
    expect(d.losses.some((l) => l.cause === 'overwritten')).toBe(true);
  });

  it('bytes cut out of the real stream (link_lost): times exact, one discarded packet per link-loss window', async () => {
    const cut = join(dir, 'overload-cut.bin');
    cutStream(overload, cut, 6, 37);
    const d = await checkCtf('overload-cut', cut, 1);
    expect(d.losses.some((l) => l.cause === 'link_lost')).toBe(true);
  });
});
