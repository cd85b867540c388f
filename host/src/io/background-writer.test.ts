// The background writer and its sink: every byte lands once, in order, whatever mix of lent
// buffers, copied pieces and strings is handed over; a failed write is one OutputWriteError.
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ByteOut } from '../core/byte-out.js';
import { BackgroundSink, OutputFile, OutputWriteError } from '../export/sinks.js';
import { BackgroundWriter, fileOffset } from './background-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'tp-bgw-'));

/** A deterministic pseudo-random byte pattern. */
function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 255;
  }
  return b;
}

describe('fileOffset', () => {
  it('is the position of a regular file, undefined with O_APPEND or on a device', () => {
    const path = join(dir, 'offset.bin');
    writeFileSync(path, 'abc');
    const w = openSync(path, 'r+');
    expect(fileOffset(w)).toBe(0);
    closeSync(w);
    const a = openSync(path, 'a');
    expect(fileOffset(a)).toBeUndefined();
    closeSync(a);
    const d = openSync('/dev/null', 'w');
    expect(fileOffset(d)).toBeUndefined();
    closeSync(d);
  });
});

describe('BackgroundSink', () => {
  it('writes lent buffers, copied pieces and strings in order, then renames the file into place', async () => {
    const path = join(dir, 'mixed.bin');
    const sink = new BackgroundSink(new OutputFile(path));
    const expected: Uint8Array[] = [];
    const out = new ByteOut(sink);
    for (let i = 0; i < 300; i++) {
      const piece = bytes(1 + ((i * 7919) % 40000), i + 1);
      if (i % 3 === 0) {
        out.bytes(piece);
      } else {
        out.flush();
        if (i % 3 === 1) sink.writeNow(piece);
        else sink.write(piece.slice());
      }
      expected.push(piece);
      if (i % 50 === 0) {
        out.flush();
        sink.write('line\n');
        expected.push(Buffer.from('line\n'));
        await sink.drain();
      }
    }
    out.flush();
    expect(existsSync(path)).toBe(false);
    await sink.end();
    expect(Buffer.compare(readFileSync(path), Buffer.concat(expected))).toBe(0);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a write to a full device is one OutputWriteError from a later write, drain() or end(); abort leaves the device', async () => {
    const link = join(dir, 'full');
    symlinkSync('/dev/full', link);
    const sink = new BackgroundSink(new OutputFile(link));
    let err: unknown;
    try {
      for (let i = 0; i < 8; i++) sink.write(bytes(1 << 20, i + 1));
      await sink.drain();
      await sink.end();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutputWriteError);
    expect((err as Error).message).toBe(`cannot write ${link}: no space left on device (ENOSPC)`);
    sink.abort();
    expect(existsSync('/dev/full')).toBe(true);
  });

  it('abort() while writes are in flight removes the temporary file and keeps an earlier one', async () => {
    const path = join(dir, 'earlier.bin');
    writeFileSync(path, 'precious');
    const sink = new BackgroundSink(new OutputFile(path));
    for (let i = 0; i < 16; i++) sink.write(bytes(1 << 20, i + 7));
    sink.abort();
    await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(path, 'utf8')).toBe('precious');
    expect(readdirSync(dir).filter((n) => n.startsWith('.earlier.bin.'))).toEqual([]);
  });
});

describe('BackgroundWriter', () => {
  it('one write at a time, in order, where the descriptor has no offsets (O_APPEND)', async () => {
    const path = join(dir, 'append.bin');
    writeFileSync(path, 'head');
    const fd = openSync(path, 'a');
    const w = new BackgroundWriter(fd);
    const parts = [Buffer.from('head')];
    for (let i = 0; i < 40; i++) {
      const b = w.buffer();
      const p = bytes(1000 + i * 997, i + 3);
      b.set(p);
      w.write(b.subarray(0, p.length));
      parts.push(Buffer.from(p));
    }
    await w.drain(0);
    closeSync(fd);
    expect(w.failure).toBeUndefined();
    expect(Buffer.compare(readFileSync(path), Buffer.concat(parts))).toBe(0);
  });
  it("a writer that is done (release) lends its buffers to the next one, and each file gets its own bytes", async () => {
    const write = async (name: string, seed: number) => {
      const fd = openSync(join(dir, name), 'w');
      const w = new BackgroundWriter(fd);
      const b = w.buffer();
      const p = bytes(5000, seed);
      b.set(p);
      w.write(b.subarray(0, p.length));
      await w.drain(0);
      w.release();
      closeSync(fd);
      return { buffer: b.buffer, p };
    };
    const first = await write('first.bin', 11);
    const second = await write('second.bin', 12);
    expect(second.buffer).toBe(first.buffer);
    expect(Buffer.compare(readFileSync(join(dir, 'first.bin')), first.p)).toBe(0);
    expect(Buffer.compare(readFileSync(join(dir, 'second.bin')), second.p)).toBe(0);
  });
});
