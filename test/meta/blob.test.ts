// The blob layout (SPEC §11.3) across languages: the firmware's serialiser
// (firmware/src/tp_meta.c, built natively with ASan/UBSan) writes blobs that the host's
// reader (host/src/core/metadata.ts) must decode to the same values.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArgType, decodeArgs, type Descriptor } from '../../host/src/core/metadata.js';
import type { TraceEvent } from '../../host/src/core/types.js';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tp-meta-blob-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function desc(types: ArgType[]): Descriptor {
  return {
    id: 0, fixedId: false, kind: 'log', blob: true, types, name: '', format: '', fields: types.map(() => ''),
    file: 'x.c', line: 1, offset: 0, conversions: null,
  };
}

function ev(hex: string): TraceEvent {
  return {
    type: 'event', session: 0, core: 0, seq: 0, ticks: 0n, tNs: 0n, kind: 'log', id: 0, args: [],
    blob: Uint8Array.from(Buffer.from(hex, 'hex')),
  };
}

describe('blob layout: C writer, TypeScript reader', () => {
  let blobs: string[];
  beforeAll(() => {
    const exe = join(dir, 'blob_writer');
    execFileSync('gcc', ['-std=c11', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined',
      '-fno-sanitize-recover=all', '-I', 'firmware/include', 'test/meta/blob_writer.c', 'firmware/src/tp_meta.c',
      '-o', exe], { cwd: ROOT });
    blobs = execFileSync(exe, { encoding: 'utf8' }).trim().split('\n');
  });

  it('integers of every width and sign, floats and a string', () => {
    const v = decodeArgs(desc(['u64', 'i8', 'str', 'f64', 'i64', 'f32', 'u8']), ev(blobs[0]));
    expect(v).toEqual([18446744073709551615n, -3n, 'hi', -2.25, -9223372036854775808n, Math.fround(0.1), 200n]);
  });

  it('cuts a long string to 32 bytes and keeps an empty one', () => {
    const v = decodeArgs(desc(['str', 'str', 'u32']), ev(blobs[1]));
    expect(v).toEqual(['0123456789abcdefghijklmnopqrstuv', '', 7n]);
  });

  it('keeps eight long strings within the 96-byte blob bound', () => {
    expect(blobs[2].length / 2).toBeLessThanOrEqual(96);
    const v = decodeArgs(desc(Array(8).fill('str')), ev(blobs[2]));
    expect(Array.isArray(v)).toBe(true);
    const strs = v as string[];
    expect(strs[0]).toBe('0123456789abcdefghijklmnopqrstuv');
    for (const s of strs) expect('0123456789abcdefghijklmnopqrstuv'.startsWith(s)).toBe(true);
  });
});
