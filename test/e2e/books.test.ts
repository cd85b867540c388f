// The CLI side of the accounting (issue 14 §3, §7) and of a lost or refused header (issue 10
// §6-7), on streams written by the test encoder: no emulator needed, the built CLI as a user
// runs it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { StreamWriter, headerMessage } from '../../host/src/core/encode.js';
import { artifactDir, cli, requireBuilt } from './helpers.js';

// boards/qemu-mps2-an385/board.json: 1 core, 25 MHz, 32-bit timer
const an385 = { cores: 1, mode: 'discard' as const, timerBits: 32, timerHz: 25_000_000, packetSize: 256, packets: 8, ts: 0, session: 7 };

function packets(w: StreamWriter, n: number, from = 0): StreamWriter {
  for (let i = from; i < from + n; i++) w.beginPacket(0, i, 1000 * i + 100, 2 * i, 0, 0).event('mark', 1, 1000 * i + 110).event('mark', 2, 1000 * i + 120).endPacket(1000 * i + 200);
  return w;
}

describe('stats and decode: books, lost and refused headers', () => {
  const dir = artifactDir('books');
  const file = (name: string, w: StreamWriter) => {
    const p = join(dir, name);
    writeFileSync(p, w.bytes());
    return p;
  };
  let open: string, closed: string, lying: string, headless: string, refused: string, rejecting: string;
  beforeAll(() => {
    requireBuilt();
    open = file('open.bin', packets(new StreamWriter().header({ ...an385, boot: true }), 3).status({ core: 0, final: false, ts: 5000, nextSeq: 4, committed: 9, dropped: 0, overwritten: 0 }));
    closed = file('closed.bin', packets(new StreamWriter().header({ ...an385, boot: true }), 3).status({ core: 0, final: true, ts: 5000, nextSeq: 3, committed: 6, dropped: 0, overwritten: 0 }));
    rejecting = file('rejecting.bin', packets(new StreamWriter().header({ ...an385, boot: true }), 3).status({ core: 0, final: true, ts: 5000, nextSeq: 3, committed: 6, dropped: 0, overwritten: 0, rejected: 1 }));
    const w = packets(new StreamWriter().header({ ...an385, boot: true }), 1);
    w.beginPacket(0, 1, 1100, 7, 0, 0).event('mark', 1, 1110).endPacket(1200); // seq 0 ended at 2, not 7
    lying = file('lying.bin', w.status({ core: 0, final: true, ts: 5000, nextSeq: 2, committed: 8, dropped: 0, overwritten: 0 }));
    headless = file('headless.bin', packets(new StreamWriter(), 3));
    refused = file('refused.bin', packets(new StreamWriter().message(headerMessage({ ...an385, mode: 7 })), 2));
  });

  it('books without a FINAL status: not "holds", closed false, the tail named; --fail-on-loss fails', async () => {
    const t = await cli(['stats', open]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).not.toMatch(/holds/);
    expect(t.stdout).toMatch(/proven only up to the last counters the target sent; books NOT closed/);
    expect(t.stdout).toContain('core 0: up to seq 2 at t_ns 88000, at least 3 later event(s) unaccounted');
    const j = JSON.parse((await cli(['stats', '--json', open])).stdout);
    expect(j).toMatchObject({ identity: true, closed: false, lossless: false, tail_unaccounted: 3 });
    expect(j.cores[0]).toMatchObject({ closed: false, proven_seq: 2, proven_t_ns: '88000', tail_unaccounted: 3 });
    const f = await cli(['stats', '--fail-on-loss', open]);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/^tracepipe: .*open\.bin: not lossless \(--fail-on-loss\): books not closed on 1 core\(s\), 3 tail event\(s\) unaccounted$/m);
  });

  it('closed books with nothing lost: "holds", and --fail-on-loss passes', async () => {
    const t = await cli(['stats', '--fail-on-loss', closed]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/holds for every core \(books closed by FINAL statuses\)/);
    expect(JSON.parse((await cli(['stats', '--json', closed])).stdout)).toMatchObject({ identity: true, closed: true, lossless: true });
  });

  it('closed books with only refused events: the identity holds, yet --fail-on-loss fails naming rejected', async () => {
    const j = JSON.parse((await cli(['stats', '--json', rejecting])).stdout);
    expect(j).toMatchObject({ identity: true, closed: true, lossless: false, total: { dropped: 0, rejected: 1 } });
    const f = await cli(['stats', '--fail-on-loss', rejecting]);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/^tracepipe: .*rejecting\.bin: not lossless \(--fail-on-loss\): 1 rejected$/m);
  });

  it('counters that contradict each other: VIOLATED with the core and point, identity false', async () => {
    const t = await cli(['stats', lying]);
    expect(t.stdout).toMatch(/^identity: VIOLATED/m);
    expect(t.stdout).toContain('core 0: count disagrees at seq 1, t_ns 8000');
    expect(t.stderr).toMatch(/core 0: packet seq 0 ends at event 2, yet the next packet \(seq 1\) says events_before 7 at seq 1, t_ns 8000/);
    expect(JSON.parse((await cli(['stats', '--json', lying])).stdout)).toMatchObject({ identity: false });
    expect((await cli(['stats', '--fail-on-loss', lying])).code).toBe(1);
  });

  it('a lost header: refused without --board (with a hint), decoded with --board as assumed', async () => {
    const bare = await cli(['decode', headless]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/no stream header, nothing can be decoded: 3 frame\(s\) with 6 event\(s\).*--board <name>/);
    const d = await cli(['decode', '-f', 'jsonl', '--board', 'qemu-mps2-an385', headless]);
    expect(d.code, d.stderr).toBe(0);
    const recs = d.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.filter((r) => r.type === 'event').map((r) => r.t_ns)).toEqual(['4400', '4800', '44400', '44800', '84400', '84800']);
    expect(recs.find((r) => r.type === 'header')).toMatchObject({ assumed: true, cores: 1, timer_hz: 25_000_000, timer_bits: 32 });
    expect(d.stderr).toMatch(/3 frame\(s\) came with no usable stream header \(no header arrived\): decoded with a header assumed .*\[header_assumed\]/);
    expect(d.stderr).toMatch(/times use the assumed timer rate 25000000 Hz.*\[time_unproven\]/);
    const text = await cli(['decode', '--board', 'qemu-mps2-an385', headless]);
    expect(text.stdout.split('\n')[0]).toBe('header ASSUMED (none received) cores=1 timer=25000000Hz/32bit @0');
    // the exports take the same option
    const csv = await cli(['export', '-f', 'jsonl', '--board', 'qemu-mps2-an385', headless]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n').filter((l) => l.includes('"type":"event"'))).toHaveLength(6);
    const bad = await cli(['decode', '--board', 'no-such-board', headless]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^tracepipe: unknown board 'no-such-board'/);
  });

  it('a refused header names its reason without -v', async () => {
    const r = await cli(['decode', refused]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the last header was refused: header mode 7 is not 0 or 1 \[malformed\]/);
  });
});
