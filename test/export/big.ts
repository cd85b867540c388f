// A large, regular trace (ISR pairs, counters, marks, events) for the level-of-detail
// and streaming checks; built packet by packet with the encoder's allocation-free path.
import { StreamWriter } from '../../host/src/core/encode.js';

export function bigTrace(events: number, cores = 2): Uint8Array {
  const w = new StreamWriter();
  w.header({ boot: true, cores, mode: 'discard', timerBits: 32, timerHz: 25_000_000, packetSize: 512, packets: 8, ts: 0, session: 1 });
  const perPacket = 40;
  const committed = new Array<number>(cores).fill(0);
  let t = 1000;
  let seq = 0;
  for (let n = 0; n < events; n += perPacket * cores) {
    for (let c = 0; c < cores; c++) {
      w.beginPacket(c, seq, t, committed[c], 0, 0);
      for (let i = 0; i < perPacket; i += 4) {
        w.event('isr_enter', 16, t + 3);
        w.event('counter', 1, t + 5, [(n / 40 + i) % 97]);
        w.event('isr_exit', 16, t + 9);
        w.event(i % 8 === 0 ? 'mark' : 'event', 2, t + 20, [i]);
        t += 25;
      }
      w.endPacket(t);
      committed[c] += perPacket;
    }
    seq++;
  }
  return w.bytes();
}
