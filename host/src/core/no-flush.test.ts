// HEADER flag NO_FLUSH (SPEC §8.1, the firmware's tiny profile): decoded, shown, and absent
// from streams that do not set it.
import { describe, expect, it } from 'vitest';
import { TraceDecoder } from './decoder.js';
import { StreamWriter } from './encode.js';
import { recordToJson } from './jsonl.js';
import { recordToText } from './text.js';
import type { TraceRecord } from './types.js';
import { HEADER_FLAG_BOOT, HEADER_FLAG_NO_FLUSH } from './wire-gen.js';

const hdr = { cores: 1, mode: 'discard' as const, timerBits: 32, timerHz: 1_000_000, packetSize: 64, packets: 4, ts: 0, session: 1 };

function headerOf(flags: number): TraceRecord & { type: 'header' } {
  const w = new StreamWriter().header({ ...hdr, flags });
  w.beginPacket(0, 0, 100, 0, 0, 0).event('mark', 1, 150).endPacket(200);
  const recs: TraceRecord[] = [];
  const d = new TraceDecoder((r) => recs.push(r));
  d.push(w.bytes());
  d.end();
  const h = recs.find((r) => r.type === 'header');
  if (h?.type !== 'header') throw new Error('no header decoded');
  expect(recs.filter((r) => r.type === 'event').length).toBe(1);
  return h;
}

describe('HEADER flag NO_FLUSH', () => {
  it('decodes as noFlush, in JSON as no_flush and in text as NO_FLUSH', () => {
    const h = headerOf(HEADER_FLAG_BOOT | HEADER_FLAG_NO_FLUSH);
    expect(h.header).toMatchObject({ boot: true, noFlush: true });
    expect(recordToJson(h)).toMatchObject({ boot: true, no_flush: true });
    expect(recordToText(h)).toMatch(/ BOOT NO_FLUSH cores=1 /);
  });

  it('is absent when the flag is clear', () => {
    const h = headerOf(HEADER_FLAG_BOOT);
    expect('noFlush' in h.header).toBe(false);
    expect('no_flush' in recordToJson(h)).toBe(false);
    expect(recordToText(h)).not.toMatch(/NO_FLUSH/);
  });
});
