// bench/wirekinds.ts splits a bench_wire_kinds UART dump into groups of one (kind, nargs)
// each. It once read every packet with the version-1 layout: on a version-2 stream (one more
// counter, rejected) n_events came out 0, every frame counted as overhead and the bench's
// masked-section table came out empty. Streams of both versions are built here with the
// host's encoder.
import { describe, expect, it } from 'vitest';
import { StreamWriter } from '../../host/src/core/encode.js';
import { wireKinds } from '../../bench/wirekinds.js';

/** Two groups (3 event/2, then 2 mark/0) split by a FINAL status, the firmware's way. */
function stream(version: number): Uint8Array {
  const w = new StreamWriter();
  w.header({ version, boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: 25_000_000, packetSize: 1024, packets: 8, ts: 0, session: 1 });
  // a rejected count that is not 0, so a v1 reading of a v2 packet cannot land on n_events
  w.beginPacket(0, 0, 100, 0, 0, 0, 5);
  for (let i = 0; i < 3; i++) w.event('event', 1, 100 + i, [i, i + 1]);
  w.endPacket(200);
  w.status({ core: 0, final: true, ts: 300, nextSeq: 1, committed: 3, dropped: 0, overwritten: 0, rejected: 5 });
  w.beginPacket(0, 1, 400, 3, 0, 0, 5);
  for (let i = 0; i < 2; i++) w.event('mark', 2, 400 + i);
  w.endPacket(500);
  return w.bytes();
}

describe('wireKinds', () => {
  for (const version of [1, 2]) {
    it(`groups the packets of a version-${version} stream by kind and argument count`, () => {
      const k = wireKinds(stream(version));
      expect(k.badFrames).toBe(0);
      expect(k.events).toBe(5);
      expect(k.groups.map((g) => [g.kind, g.nargs, g.events, g.packets])).toEqual([
        ['event', 2, 3, 1],
        ['mark', 0, 2, 1],
      ]);
      expect(k.otherFrames).toBe(2); // the HEADER and the STATUS
      expect(k.totalBytes).toBe(k.otherBytes + k.groups.reduce((a, g) => a + g.bytes, 0));
    });
  }
});
