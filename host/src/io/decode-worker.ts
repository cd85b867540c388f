// The worker of io/decode-pool.ts (its own bundle, dist/decode-worker.cjs): scans the stretches
// it takes (io/stretch-worker.ts) and packs their packets' events into the shared memory.
import { workerData } from 'node:worker_threads';
import { PackedSlots, type DecodeWorkerData } from './decode-pool.js';
import { workStretches } from './stretch-worker.js';

const data = workerData as DecodeWorkerData;
workStretches(data, (shared) => {
  const slots = shared.state.length;
  const packed = new PackedSlots(data.packed, slots, data.stretch, data.format);
  return (j, fd) => {
    packed.target(j, slots);
    shared.scan(j, fd, packed.scanner);
  };
});
