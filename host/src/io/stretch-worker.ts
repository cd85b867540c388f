// The loop both pools' workers run (io/scan-worker.ts, io/decode-worker.ts): take the next
// stretch of the file whenever it is free, read and scan it into the shared memory, until no
// stretch is left; while the slots are full, wait for the booking thread to free one.
import { closeSync, openSync } from 'node:fs';
import { SharedStretches, type ScanWorkerData } from './scan-pool.js';

/** Runs the worker's loop on data; the scan made for the shared memory reads stretch j from fd into its slot (SharedStretches.scan). */
export function workStretches(data: ScanWorkerData, scanFor: (shared: SharedStretches) => (j: number, fd: number) => void): void {
  const shared = new SharedStretches(data.shared, data.size, data.stretch);
  const scan = scanFor(shared);
  const fd = openSync(data.path, 'r');
  try {
    for (;;) {
      const seen = shared.booked();
      const j = shared.claim();
      if (j === -1) break;
      if (j === -2) shared.waitBooked(seen);
      else scan(j, fd);
    }
  } finally {
    closeSync(fd);
  }
}
