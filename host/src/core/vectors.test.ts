// Runs every protocol vector (protocol/vectors/{valid,invalid}/<name>.in.txt): the committed
// .bin must be what the description encodes to, the committed .json must be the expectation
// computed from the description (protocol/tools/vectors-model.ts, which shares no code with the
// decoder), and the real decoder must produce exactly
// that, whole, split at every byte, and cut at every byte.
// UPDATE_VECTORS=1 rewrites the .bin and .json files from the descriptions instead of
// comparing them (the decoder checks still run).

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TraceDecoder } from './decoder.js';
import { recordToJson, statsToJson } from './jsonl.js';
import type { TraceRecord } from './types.js';
import { expectedDecoding } from '../../../protocol/tools/vectors-model.js';
import { buildVector, parseVector } from '../../../protocol/tools/vectors-spec.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../protocol/vectors');
const UPDATE = process.env.UPDATE_VECTORS === '1';
/** Stated here, not counted from the directory, so a vector that goes missing fails. */
const VECTOR_COUNT = { valid: 30, invalid: 22 } as const;
/** Streams that are framed correctly but whose counters contradict each other: identity false. */
const CONTRADICTORY = ['counter_mismatch', 'count_disagrees', 'final_older', 'final_time', 'origin_seq', 'v2_rejected_backwards'];

/** Notice messages are prose for people, not part of the contract. */
function contractJson(rec: TraceRecord): Record<string, unknown> {
  const j = recordToJson(rec);
  if (rec.type === 'notice') delete j.message;
  return j;
}

function decode(bytes: Uint8Array, cuts: number[] = []): { records: Record<string, unknown>[]; stats: unknown } {
  const out: TraceRecord[] = [];
  const d = new TraceDecoder((r) => out.push(r));
  let p = 0;
  for (const c of [...cuts, bytes.length]) {
    d.push(bytes.subarray(p, c));
    p = c;
  }
  d.end();
  return { records: out.map(contractJson), stats: statsToJson(d.stats()) };
}

function vectorNames(kind: 'valid' | 'invalid'): string[] {
  const dir = join(ROOT, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.in.txt'))
    .map((f) => f.slice(0, -'.in.txt'.length))
    .sort();
}

for (const kind of ['valid', 'invalid'] as const) {
  describe(`${kind} vectors`, () => {
    const names = vectorNames(kind);
    it(`has exactly the ${VECTOR_COUNT[kind]} vectors the README lists`, () => {
      expect(names.length).toBe(VECTOR_COUNT[kind]);
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const listed = [...readme.matchAll(new RegExp(`^\\| \`${kind}/(\\w+)\` \\|`, 'gm'))].map((m) => m[1]).sort();
      expect(listed).toEqual(names);
    });
    for (const name of names) {
      const base = join(ROOT, kind, name);
      it(name, () => {
        const src = parseVector(name, readFileSync(`${base}.in.txt`, 'utf8'));
        const built = buildVector(src);
        const exp = expectedDecoding(src, built);
        const json = {
          name,
          description: src.description,
          c_encodable: src.cEncodable,
          records: exp.records.map(contractJson),
          stats: statsToJson(exp.stats),
        };
        if (UPDATE) {
          writeFileSync(`${base}.bin`, built.bytes);
          writeFileSync(`${base}.json`, JSON.stringify(json, null, 1) + '\n');
        }
        expect(existsSync(`${base}.bin`)).toBe(true);
        expect(Buffer.from(readFileSync(`${base}.bin`)).equals(Buffer.from(built.bytes))).toBe(true);
        const stored = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
        expect(stored).toEqual(json);

        const bytes = new Uint8Array(readFileSync(`${base}.bin`));
        const whole = decode(bytes);
        expect(whole.records).toEqual(json.records);
        expect(whole.stats).toEqual(json.stats);
        if (kind === 'valid') {
          expect(json.records.filter((r) => r.level === 'error')).toEqual([]);
          expect(json.stats.identity).toBe(true);
        } else {
          expect(json.records.some((r) => r.type === 'notice' && r.level !== 'info')).toBe(true);
          expect(json.stats.identity).toBe(!CONTRADICTORY.includes(name));
          expect(whole.stats).toMatchObject({ identity: !CONTRADICTORY.includes(name) });
        }

        // live == offline: one cut anywhere
        for (let k = 1; k < bytes.length; k++) {
          const split = decode(bytes, [k]);
          if (JSON.stringify(split) !== JSON.stringify(whole)) expect({ cut: k, ...split }).toEqual({ cut: k, ...whole });
        }
      });

      it(`${name}: cut at every byte`, () => {
        const bytes = new Uint8Array(readFileSync(`${base}.bin`));
        const full = decode(bytes).records.filter((r) => r.type === 'event');
        for (let k = 0; k <= bytes.length; k++) {
          const prefix = bytes.subarray(0, k);
          const b = prefix.lastIndexOf(0) + 1; // last frame boundary at or before the cut
          const got = decode(prefix).records;
          const trunc = got.filter((r) => r.code === 'truncated');
          if (k > b) {
            expect(trunc).toEqual([{ type: 'notice', level: 'warning', code: 'truncated', offset: b, resume: k }]);
          } else {
            expect(trunc).toEqual([]);
          }
          // everything else is what the boundary prefix gives
          const atBoundary = decode(bytes.subarray(0, b)).records;
          expect(got.filter((r) => r.code !== 'truncated')).toEqual(atBoundary);
          // and its events are, per core, a prefix of the whole stream's events
          const events = got.filter((r) => r.type === 'event');
          for (const core of new Set(events.map((e) => `${e.session ?? 0}/${e.core}`))) {
            const mine = events.filter((e) => `${e.session ?? 0}/${e.core}` === core);
            const all = full.filter((e) => `${e.session ?? 0}/${e.core}` === core);
            expect(mine).toEqual(all.slice(0, mine.length));
          }
        }
      });
    }
  });
}
