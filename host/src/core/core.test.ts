import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cobsDecode, cobsEncode, cobsMaxLen } from './cobs.js';
import { crc32c } from './crc32c.js';
import { commandMessage, frame, packetMessage, putEvent, argEncoding } from './encode.js';
import { FrameSplitter, MAX_COBS } from './frames.js';
import { TimelineMerge } from './merge.js';
import { PacketClock, ticksToNs } from './time.js';
import { Cursor, WireError, putVarU32, putVarU64 } from './varint.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function crcBitwise(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('has the SPEC check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
  it('slicing-by-8 equals the bitwise definition at every length and alignment', () => {
    fc.assert(
      // long enough for the word-at-a-time path (aligned starts of 64 bytes and more)
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(8), fc.nat(8), (b, skip, cut) => {
        const s = Math.min(skip, b.length);
        const e = Math.max(s, b.length - cut);
        expect(crc32c(b, s, e)).toBe(crcBitwise(b.subarray(s, e)));
      }),
    );
  });
});

describe('cobs', () => {
  const run = (n: number, fill = 0x11): Uint8Array => new Uint8Array(n).fill(fill);
  it('encodes the boundary runs exactly', () => {
    expect(hex(cobsEncode(new Uint8Array(0)))).toBe('01');
    expect(hex(cobsEncode(bytes('00')))).toBe('0101');
    expect(hex(cobsEncode(bytes('11')))).toBe('0211');
    expect(hex(cobsEncode(bytes('1100')))).toBe('021101');
    expect(hex(cobsEncode(bytes('0011')))).toBe('010211');
    const e253 = cobsEncode(run(253));
    expect(e253.length).toBe(254);
    expect(e253[0]).toBe(254);
    const e254 = cobsEncode(run(254));
    // a full 0xFF group carries no implicit zero; the original form then closes with 01
    expect(e254.length).toBe(256);
    expect([e254[0], e254[255]]).toEqual([0xff, 0x01]);
    const e255 = cobsEncode(run(255));
    expect(e255.length).toBe(257);
    expect([e255[0], e255[255], e255[256]]).toEqual([0xff, 0x02, 0x11]);
    const e256 = cobsEncode(run(256));
    expect([e256[0], e256[255], e256.length]).toEqual([0xff, 0x03, 258]);
  });
  it('round-trips runs of 0, 1, 253, 254, 255, 256 bytes around zeros, with no 0x00 inside', () => {
    for (const n of [0, 1, 253, 254, 255, 256, 508, 509]) {
      for (const shape of [run(n), Uint8Array.from([...run(n), 0]), Uint8Array.from([0, ...run(n), 0, 0, ...run(n)])]) {
        const e = cobsEncode(shape);
        expect(e.includes(0)).toBe(false);
        expect(e.length).toBeLessThanOrEqual(cobsMaxLen(shape.length));
        expect(hex(cobsDecode(e)!)).toBe(hex(shape));
      }
    }
  });
  it('rejects a code byte past the end and an inner zero', () => {
    expect(cobsDecode(bytes('050102'))).toBeNull();
    expect(cobsDecode(bytes('030100'))).toBeNull();
  });
  it('the streaming splitter decodes like cobsDecode for any content and chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 5 }), fc.integer({ min: 1, max: 700 }), (msgs, step) => {
        const stream = Buffer.concat(msgs.map((m) => Buffer.concat([Buffer.from(cobsEncode(m)), Buffer.from([0])])));
        const got: string[] = [];
        const sp = new FrameSplitter({
          frame: (buf, len) => got.push(hex(buf.subarray(0, len))),
          bad: (code) => got.push(code),
        });
        for (let p = 0; p < stream.length; p += step) sp.push(stream.subarray(p, p + step));
        expect(got).toEqual(msgs.map((m) => (cobsMaxLen(m.length) > MAX_COBS && cobsEncode(m).length > MAX_COBS ? 'frame_too_long' : hex(m))));
        expect(sp.pendingStart()).toBe(-1);
      }),
    );
  });
});

describe('varint', () => {
  const read32 = (h: string) => new Cursor(bytes(h), 0, bytes(h).length).varU32();
  const read64 = (h: string) => new Cursor(bytes(h), 0, bytes(h).length).varU64Big();
  const code = (f: () => unknown): string => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return e instanceof WireError ? e.code : String(e);
    }
  };
  it('encodes the SPEC table', () => {
    const enc = (v: number) => {
      const o = new Uint8Array(10);
      return hex(o.subarray(0, putVarU32(o, 0, v)));
    };
    expect([0, 127, 128, 300, 0xffffffff].map(enc)).toEqual(['00', '7f', '8001', 'ac02', 'ffffffff0f']);
  });
  it('reads u32 up to the max and rejects overflow', () => {
    expect(read32('ffffffff0f')).toBe(0xffffffff);
    expect(read32('8000')).toBe(0); // non-minimal but fits: accepted
    expect(code(() => read32('ffffffff10'))).toBe('varint_overflow');
    expect(code(() => read32('ffffffff8f01'))).toBe('varint_overflow');
    expect(code(() => read32('8080'))).toBe('malformed');
  });
  it('reads u64 up to the max and rejects overflow', () => {
    expect(read64('ffffffffffffffffff01')).toBe(0xffff_ffff_ffff_ffffn);
    expect(read64('ffffffffffffff0f')).toBe(2n ** 53n - 1n);
    expect(code(() => read64('ffffffffffffffffff02'))).toBe('varint_overflow');
    expect(code(() => read64('ffffffffffffffffff8101'))).toBe('varint_overflow');
    expect(code(() => read64('ffffffffffffffffff'))).toBe('malformed');
  });
  it('round-trips any u32 and u64', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (a, b) => {
        const o = new Uint8Array(20);
        const p = putVarU64(o, putVarU32(o, 0, a), b);
        const c = new Cursor(o, 0, p);
        expect(c.varU32()).toBe(a);
        expect(c.varU64Big()).toBe(b);
        expect(c.remaining).toBe(0);
      }),
    );
  });
});

describe('time', () => {
  it('is exact and truncates', () => {
    expect(ticksToNs(3n, 32768)).toBe(91552n);
    expect(ticksToNs(2n ** 64n - 1n, 1)).toBe((2n ** 64n - 1n) * 1_000_000_000n);
  });
  it('the per-packet clock equals the BigInt formula', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.oneof(fc.nat({ max: 10_000_000 }), fc.bigInt({ min: 0n, max: 2n ** 40n })),
        fc.integer({ min: 1, max: 0xffffffff }),
        (base, off, hz) => {
          const c = new PacketClock(hz);
          c.setBase(base);
          expect(c.ns(off)).toBe(ticksToNs(base + BigInt(off), hz));
        },
      ),
    );
  });
});

describe('encoder', () => {
  it('writes the SPEC §10.2 events', () => {
    const o = new Uint8Array(64);
    expect(hex(o.subarray(0, putEvent(o, 0, 0, 3, 12, [5, 100])))).toBe('08030c0564');
    expect(hex(o.subarray(0, putEvent(o, 0, 0, 3, 12, [0xdeadbeef, 0x12345678])))).toBe('09030cefbeadde78563412');
  });
  it('picks the unique argument encoding', () => {
    expect(argEncoding([0x0fffffff])).toBe(0); // 4 = 4: tie to varint
    expect(argEncoding([0xffffffff])).toBe(1);
    expect(argEncoding([0x1_0000_0000])).toBe(0);
    expect(argEncoding([2n ** 56n])).toBe(2);
    expect(argEncoding([1, 2n ** 64n - 1n])).toBe(0);
  });
  it('writes the SPEC §10.3 packet', () => {
    const m = packetMessage({
      core: 0,
      seq: 7,
      tsBegin: 1000,
      tsEnd: 1100,
      eventsBefore: 42,
      dropped: 0,
      overwritten: 0,
      events: [
        { kind: 'mark', id: 1, t: 1010 },
        { kind: 'counter', id: 2, t: 1015, args: [7] },
      ],
    });
    expect(hex(m)).toBe('020007e803000000000000642a00000002' + '20010a' + '84020507');
  });
  it('frames CMD_START as SPEC §10.1 shows', () => {
    const f = frame(commandMessage('start'));
    const crc = crc32c(bytes('10'));
    const crcBytes = [crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24];
    expect(crcBytes.includes(0)).toBe(false);
    // code byte 06: five data bytes follow (type + CRC), then the delimiter
    expect([...f]).toEqual([6, 0x10, ...crcBytes, 0]);
  });
});

describe('timeline merge', () => {
  it('emits all items sorted by (key, core), each core in its own order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3), fc.nat(20)), { maxLength: 200 }),
        (steps) => {
          const out: [number, bigint, number][] = [];
          const m = new TimelineMerge<[number, bigint, number]>((x) => out.push(x));
          for (let c = 0; c < 4; c++) m.activate(c);
          const last = [0n, 0n, 0n, 0n];
          steps.forEach(([core, inc], i) => {
            last[core] += BigInt(inc);
            m.push(core, last[core], [core, last[core], i]);
            m.pump();
          });
          m.flush();
          expect(out.length).toBe(steps.length);
          for (let i = 1; i < out.length; i++) {
            const [c0, k0, i0] = out[i - 1];
            const [c1, k1, i1] = out[i];
            expect(k0 < k1 || (k0 === k1 && (c0 < c1 || (c0 === c1 && i0 < i1)))).toBe(true);
          }
        },
      ),
    );
  });
  it('keeps order and count while a long queue is compacted and refilled', () => {
    // One core queues 20 000 items while the other is silent; they drain in steps, which
    // moves the queue's head past its compaction point, then both cores refill it.
    const out: [number, number][] = [];
    const m = new TimelineMerge<[number, number]>((x) => out.push(x));
    m.activate(0);
    m.activate(1);
    for (let i = 0; i < 20_000; i++) m.push(0, BigInt(i * 2), [0, i * 2]);
    for (let w = 0; w <= 40_000; w += 1000) {
      m.advance(1, BigInt(w));
      m.pump();
    }
    expect(out.length).toBe(20_000);
    for (let i = 0; i < 3000; i++) {
      m.push(0, BigInt(50_000 + i * 2), [0, 50_000 + i * 2]);
      m.push(1, BigInt(50_001 + i * 2), [1, 50_001 + i * 2]);
      m.pump();
    }
    m.flush();
    expect(out.length).toBe(26_000);
    expect(out.every((x, i) => i === 0 || x[1] > out[i - 1][1])).toBe(true);
  });
  it('places a run of events exactly as pushing them one by one would', () => {
    // The same random operations on two merges: one gets each run with pushRun, the other
    // each of its events with push. Records, pending and global items, watermarks and the
    // limit all take part; the outputs must be the same sequence. With two cores the merge
    // alternates between two runs in a loop of its own (merge.ts alternate()).
    const opArb = fc.record({
      op: fc.constantFrom('run', 'run', 'push', 'pending', 'global', 'advance', 'pump', 'pump'),
      core: fc.nat(2),
      at: fc.nat(40),
      base: fc.oneof(fc.bigInt({ min: 0n, max: 200n }), fc.bigInt({ min: 2n ** 60n, max: 2n ** 60n + 100n })),
      incs: fc.array(fc.nat(6), { minLength: 1, maxLength: 8 }),
    });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.constantFrom(3, 16, 1 << 16), fc.constantFrom(2, 3), (ops, limit, cores) => {
        type Src = { nsBase: bigint; nsOff: Float64Array; tag: number };
        const a: string[] = [];
        const b: string[] = [];
        const ma = new TimelineMerge<string, Src>((x) => a.push(x), limit, (src, from, to) => {
          for (let i = from; i < to; i++) a.push(`r${src.tag}.${i}`);
        });
        const mb = new TimelineMerge<string>((x) => b.push(x), limit);
        for (const m of [ma, mb]) for (let c = 0; c < cores; c++) m.activate(c);
        const last = [0n, 0n, 0n];
        ops.forEach((op, n) => {
          const o = { ...op, core: op.core % cores };
          const key = o.base + BigInt(o.at);
          if (o.op === 'run') {
            const offs: number[] = [];
            let k = 0;
            for (const inc of o.incs) offs.push((k += inc));
            const src = { nsBase: key, nsOff: Float64Array.from(offs), tag: n };
            ma.pushRun(o.core, src, 0, offs.length);
            offs.forEach((off, i) => mb.push(o.core, key + BigInt(off), `r${n}.${i}`));
            last[o.core] = key + BigInt(offs[offs.length - 1]);
          } else if (o.op === 'push') {
            for (const m of [ma, mb]) m.push(o.core, key, `p${n}`);
          } else if (o.op === 'pending') {
            for (const m of [ma, mb]) m.pushPending(o.core, key, `s${n}`);
          } else if (o.op === 'global') {
            for (const m of [ma, mb]) m.pushGlobal(key, `g${n}`);
          } else if (o.op === 'advance') {
            for (const m of [ma, mb]) m.advance(o.core, last[o.core] + BigInt(o.at));
          } else {
            ma.pump();
            mb.pump();
          }
          expect(a).toEqual(b);
          expect(ma.size).toBe(mb.size);
        });
        ma.flush();
        mb.flush();
        expect(a).toEqual(b);
      }),
      { numRuns: 800 },
    );
  });
  it('alternates two cores in slices up to the other head, ties to the lower core', () => {
    type Src = { nsBase: bigint; nsOff: Float64Array; tag: string };
    const out: string[] = [];
    const m = new TimelineMerge<string, Src>(
      (x) => out.push(x),
      1 << 16,
      (src, from, to) => out.push(`${src.tag}[${from},${to})`),
    );
    m.activate(0);
    m.activate(1);
    m.pushRun(1, { nsBase: 10n, nsOff: Float64Array.from([0, 1, 1, 5, 9]), tag: 'b' }, 0, 5); // 10 11 11 15 19
    m.pushRun(0, { nsBase: 11n, nsOff: Float64Array.from([0, 0, 4, 8, 20]), tag: 'a' }, 0, 5); // 11 11 15 19 31
    m.pump();
    expect(out).toEqual(['b[0,1)', 'a[0,2)', 'b[1,3)', 'a[2,3)', 'b[3,4)', 'a[3,4)', 'b[4,5)']);
    m.flush();
    expect(out.slice(7)).toEqual(['a[4,5)']);
  });
  it('releases the oldest items beyond its limit', () => {
    const out: number[] = [];
    const m = new TimelineMerge<number>((x) => out.push(x), 10);
    m.activate(1); // a silent core
    for (let i = 0; i < 25; i++) m.push(0, BigInt(i), i);
    m.pump();
    expect(m.size).toBe(10);
    expect(out).toEqual([...Array(15).keys()]);
  });
});
