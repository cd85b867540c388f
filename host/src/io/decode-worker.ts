// The worker of io/decode-pool.ts (its own bundle, dist/decode-worker.cjs): takes the next
// stretch of the file whenever it is free, reads it, scans it and packs its packets' events
// into the shared memory, until no stretch is left.
import { closeSync, openSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { PackedSlots, type DecodeWorkerData } from './decode-pool.js';
import { SharedStretches } from './scan-pool.js';

const data = workerData as DecodeWorkerData;
const shared = new SharedStretches(data.shared, data.size, data.stretch);
const slots = shared.state.length;
const packed = new PackedSlots(data.packed, slots, data.stretch);
const fd = openSync(data.path, 'r');
try {
  for (;;) {
    const seen = shared.booked();
    const j = shared.claim();
    if (j === -1) break;
    if (j === -2) shared.waitBooked(seen);
    else {
      packed.target(j, slots);
      shared.scan(j, fd, packed.scanner);
    }
  }
} finally {
  closeSync(fd);
}
