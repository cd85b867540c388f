// Issue 10 §3: every string from the device or the ELF is escaped in text output, so a decoded
// record is always exactly one line and never drives the terminal. Checked three ways:
// - escapeText and recordToText alone, with a fast-check property over any string;
// - the whole decode path in-process (runCli on injected streams), on streams built with the
//   host encoder against the metadata of a real firmware ELF (apps/hostile_strings), with a
//   property over any bytes a device can send as a %s argument;
// - the real firmware under QEMU, through `tracepipe run`, `decode --elf` and `stats --elf`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { StreamWriter } from '../../host/src/core/encode.js';
import { loadMetadata, type Metadata } from '../../host/src/core/metadata.js';
import { escapeText, jsonLine, recordToText } from '../../host/src/core/text.js';
import type { TraceEvent } from '../../host/src/core/types.js';
import { BOARD, cli, elf, requireBuilt } from '../e2e/helpers.js';
import { hostileDir, inProcess, lines } from './helpers.js';

/** Anything a terminal acts on, or that ends or reorders a line. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

const NASTY = ['\n', '\r', '\r\n', '\t', '\x00', '\x07', '\x1b', '\x1b[2J', '\x1b]0;t\x07', '\x7f', '\u0085', '\u009b', '\u200b', '\u200e', '\u202e', '\u2066', '\u2028', '\u2029', '\ufeff', '\u{e0001}', '\ud800', '\\', '"'];
/** Strings with a good share of the characters that matter, among any others. */
const deviceString = fc.string({ unit: fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 40 });

function logEvent(text: string, name = 'rx %s'): TraceEvent {
  return { type: 'event', session: 0, core: 0, seq: 0, ticks: 0n, tNs: 1n, kind: 'log', id: 1, args: [], name, text };
}

describe('escapeText', () => {
  it.each([
    ['a forged line', 'ok\n0.5 core 0 event id=9 args=1', 'ok\\n0.5 core 0 event id=9 args=1'],
    ['an OSC title and a clear screen', '\x1b]0;pwned\x07\x1b[2J', '\\u001b]0;pwned\\u0007\\u001b[2J'],
    ['a carriage return', 'a\rb', 'a\\rb'],
    ['the 8-bit CSI (C1)', '\u009b31m', '\\u009b31m'],
    ['NEL', 'a\u0085b', 'a\\u0085b'],
    ['a bidi override', '\u202etxt.exe', '\\u202etxt.exe'],
    ['the line separator', 'a\u2028b', 'a\\u2028b'],
    ['a tag character above U+FFFF', 'a\u{e0001}b', 'a\\udb40\\udc01b'],
    ['a lone surrogate', 'a\ud800b', 'a\\ud800b'],
  ])('%s', (_what, input, want) => {
    expect(escapeText(input)).toBe(want);
  });

  it('leaves printable text as it is: accents, CJK, emoji, backslashes, quotes', () => {
    for (const s of ['café', 'naïve ü', '温度 21.5', '🚀 launch', 'C:\\path\\n', 'say "hi"']) expect(escapeText(s)).toBe(s);
  });

  it('property: any string becomes one line with no control, format or separator character', () => {
    fc.assert(
      fc.property(deviceString, (s) => {
        const out = escapeText(s);
        expect(out).not.toMatch(UNSAFE);
        expect(out.split(/\r\n|[\n\r\v\f\u0085\u2028\u2029]/)).toHaveLength(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: jsonLine is JSON of the same value, with nothing unsafe left raw', () => {
    fc.assert(
      fc.property(deviceString, deviceString, (a, b) => {
        const text = jsonLine({ text: a, name: b });
        expect(text).not.toMatch(UNSAFE);
        expect(JSON.parse(text)).toEqual({ text: a, name: b });
      }),
      { numRuns: 1000 },
    );
  });

  it('property: recordToText of an event whose name and text are device strings is one safe line', () => {
    fc.assert(
      fc.property(deviceString, deviceString, (text, name) => {
        for (const rec of [logEvent(text, name), { ...logEvent(text, name), kind: 'counter' as const }]) {
          const line = recordToText(rec);
          expect(line).not.toMatch(UNSAFE);
          expect(line.startsWith('0.000000001 core 0 ')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** A stream of one packet: the log call site `format` once per argument list (raw %s bytes). */
function logStream(meta: Metadata, format: string, argLists: Uint8Array[][]): Uint8Array {
  const d = meta.descriptors.find((x) => x.kind === 'log' && x.format === format);
  if (!d) throw new Error(`no call site '${format}' in the ELF`);
  const w = new StreamWriter();
  w.raw(Uint8Array.of(0));
  w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: 1_000_000, packetSize: 4096, packets: 4, ts: 0, session: 1, buildId: meta.buildId });
  w.beginPacket(0, 0, 10, 0, 0, 0);
  let t = 10;
  for (const args of argLists) {
    const blob = Uint8Array.from(args.flatMap((a) => [...varint(a.length), ...a]));
    w.event('log', d.id, ++t, undefined, blob);
  }
  w.endPacket(t + 1);
  w.status({ core: 0, final: true, ts: t + 2, nextSeq: 1, committed: argLists.length, dropped: 0, overwritten: 0 });
  return w.bytes();
}

describe('decode --elf of device strings, in-process on a real ELF', () => {
  let elfPath: string;
  let meta: Metadata;
  beforeAll(() => {
    requireBuilt('hostile_strings');
    elfPath = elf('hostile_strings');
    meta = loadMetadata(readFileSync(elfPath));
  });

  it('the forged line and the terminal sequences of issue 10 print as single escaped lines', async () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const stream = logStream(meta, 'rx %s', [[enc('ok\n0.5 core 0 event id=9 args=1')], [enc('\x1b]0;pwned\x07\x1b[2J')]]);
    const r = await inProcess(['decode', '--events-only', '--elf', elfPath, '-'], { stdin: stream });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout).map((l) => l.replace(/^\d+\.\d{9} /, ''))).toEqual([
      'core 0 log        rx ok\\n0.5 core 0 event id=9 args=1',
      'core 0 log        rx \\u001b]0;pwned\\u0007\\u001b[2J',
    ]);
  });

  it('property: any bytes as %s arguments give exactly one safe line per event (text and jsonl)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 48 }), fc.uint8Array({ maxLength: 48 })), { minLength: 1, maxLength: 12 }),
        async (args) => {
          const stream = logStream(meta, 'c1 %s|bidi %s', args.map(([a, b]) => [a, b]));
          const text = await inProcess(['decode', '--events-only', '--elf', elfPath, '-'], { stdin: stream });
          expect(text.code).toBe(0);
          const got = text.stdout.split('\n');
          expect(got.pop()).toBe('');
          expect(got).toHaveLength(args.length);
          for (const l of got) {
            expect(l).toMatch(/^\d+\.\d{9} core 0 log {8}c1 /);
            expect(l).not.toMatch(UNSAFE);
          }
          const json = await inProcess(['decode', '--events-only', '--format', 'jsonl', '--elf', elfPath, '-'], { stdin: stream });
          const records = lines(json.stdout);
          expect(records).toHaveLength(args.length);
          records.forEach((l, i) => {
            expect(l).not.toMatch(UNSAFE);
            const td = new TextDecoder();
            expect((JSON.parse(l) as { text: string }).text).toBe(`c1 ${td.decode(args[i][0])}|bidi ${td.decode(args[i][1])}`);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe(`hostile_strings under QEMU (${BOARD})`, () => {
  const dir = hostileDir('escaping');
  const capture = join(dir, 'hostile.tpt');
  let run: Awaited<ReturnType<typeof cli>>;
  beforeAll(async () => {
    requireBuilt('hostile_strings');
    run = await cli(['run', '--board', BOARD, elf('hostile_strings'), '-o', capture], { timeoutMs: 60_000 });
  }, 90_000);

  it("the firmware's console text is echoed as one escaped target: line", () => {
    expect(run.code).toBe(0);
    expect(lines(run.stderr)).toEqual(['target: console \\u001b]0;pwned\\u0007\\u001b[2J\\r0.5 core 0 event']);
  });

  it('decode --elf prints every record as one escaped line', async () => {
    const r = await cli(['decode', '--events-only', '--elf', elf('hostile_strings'), capture]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(UNSAFE_OUTSIDE_NEWLINES);
    expect(lines(r.stdout).map((l) => l.replace(/^\d+\.\d{9} /, ''))).toEqual([
      'core 0 log        rx ok\\n0.5 core 0 event id=9 args=1',
      'core 0 log        term \\u001b]0;pwned\\u0007\\u001b[2J',
      'core 0 log        c1 \\u009b31m|bidi \\u202etxt.exe',
      'core 0 event      label text="a\\r\\nb\\u001b[1A"',
      'core 0 log        fmt\\u001b[31m red\\n7',
    ]);
  });

  it('decode --format jsonl keeps the exact strings, with nothing unsafe raw', async () => {
    const r = await cli(['decode', '--events-only', '--format', 'jsonl', '--elf', elf('hostile_strings'), capture]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(UNSAFE_OUTSIDE_NEWLINES);
    const texts = lines(r.stdout).map((l) => (JSON.parse(l) as { text: string }).text);
    expect(texts).toContain('rx ok\n0.5 core 0 event id=9 args=1');
    expect(texts).toContain('c1 \u009b31m|bidi \u202etxt.exe');
  });

  it('stats --elf names the call sites by their escaped format strings', async () => {
    const r = await cli(['stats', '--elf', elf('hostile_strings'), capture]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(UNSAFE_OUTSIDE_NEWLINES);
    expect(lines(r.stdout).map((l) => l.trim().replace(/\s+/g, ' '))).toContain('1 log fmt\\u001b[31m red\\n%u');
  });
});

/** UNSAFE, but the newline that ends each output line is allowed. */
const UNSAFE_OUTSIDE_NEWLINES = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
