// The capture writer and the file reader together, on real files: what the writer appended is
// what the reader delivers, a raw stream is recognised as raw, and a file cut while the writer
// was still running (no end marker) is read up to the cut.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureWriter } from './capture-writer.js';
import { readTraceInput } from './input.js';

const dir = mkdtempSync(join(tmpdir(), 'tp-capture-io-'));

async function readAll(path: string) {
  const chunks: number[] = [];
  const times: (bigint | undefined)[] = [];
  const events: string[] = [];
  const info = await readTraceInput(path, {
    data: (bytes, hostNs) => {
      chunks.push(...bytes);
      times.push(hostNs);
    },
    event: (e) => events.push(e.kind),
  });
  return { info, bytes: chunks, times, events };
}

describe('capture writer + file reader', () => {
  it('round-trips bytes, receive times and events', async () => {
    const path = join(dir, 'a.tpt');
    let t = 1_000n;
    const w = CaptureWriter.create(path, { source: 'serial', port: '/dev/ttyACM0', baud: 115200 }, () => (t += 10n));
    w.event({ kind: 'open' });
    w.data(Uint8Array.of(0, 6, 0x10));
    w.data(new Uint8Array(0));
    w.data(Uint8Array.of(0x3e, 0, 0xff));
    w.close();
    w.close();
    const r = await readAll(path);
    expect(r.info.kind).toBe('capture');
    expect(r.info.meta).toMatchObject({ source: 'serial', port: '/dev/ttyACM0', baud: 115200 });
    expect(r.bytes).toEqual([0, 6, 0x10, 0x3e, 0, 0xff]);
    expect(r.times).toEqual([1_020n, 1_040n]);
    expect(r.events).toEqual(['open', 'end']);
    expect(r.info.end?.complete).toBe(true);
  });

  it('while the writer is open, the file already holds everything received', async () => {
    const path = join(dir, 'live.tpt');
    const w = CaptureWriter.create(path, { source: 'qemu' });
    w.data(Uint8Array.of(1, 2, 3));
    w.data(Uint8Array.of(4));
    // no close(): as if the process died here
    const r = await readAll(path);
    expect(r.bytes).toEqual([1, 2, 3, 4]);
    expect(r.info.end?.complete).toBe(false);
    expect(r.info.end?.problem).toMatch(/no end marker/);
    w.close();
  });

  it('anything without the magic is a raw stream, delivered unchanged', async () => {
    const path = join(dir, 'raw.bin');
    const raw = Buffer.from([0x06, 0x10, 0x3e, 0x94, 0x23, 0x42, 0x00, 0x89]);
    writeFileSync(path, raw);
    const r = await readAll(path);
    expect(r.info.kind).toBe('raw');
    expect(Buffer.from(r.bytes)).toEqual(raw);
    expect(r.times).toEqual([undefined]);
  });

  it('a capture of an unknown version is refused with its path', async () => {
    const path = join(dir, 'v9.tpt');
    const w = CaptureWriter.create(path, { source: 'qemu' });
    w.close();
    const buf = readFileSync(path);
    buf[8] = 9;
    buf[13] = 9; // the version every v2 record restates
    writeFileSync(path, buf);
    await expect(readAll(path)).rejects.toThrow(/v9\.tpt: capture file version 9 is not supported \(this reader knows versions 1 and 2\)/);
  });

  it('unwritable output is one clear error', () => {
    expect(() => CaptureWriter.create(join(dir, 'no', 'such', 'dir.tpt'), { source: 'qemu' })).toThrow(
      /cannot create capture file .*: its folder does not exist/,
    );
  });
});
