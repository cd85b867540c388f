// The worker of io/scan-pool.ts (its own bundle, dist/scan-worker.cjs): takes the next stretch
// of the file whenever it is free, reads it and scans it into the shared memory, until no
// stretch is left.
import { closeSync, openSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { FrameScanner } from '../core/frame-scan.js';
import { SharedStretches, type ScanWorkerData } from './scan-pool.js';

const data = workerData as ScanWorkerData;
const shared = new SharedStretches(data.shared, data.size, data.stretch);
const scanner = new FrameScanner();
const fd = openSync(data.path, 'r');
try {
  for (;;) {
    const seen = shared.booked();
    const j = shared.claim();
    if (j === -1) break;
    if (j === -2) shared.waitBooked(seen);
    else shared.scan(j, fd, scanner);
  }
} finally {
  closeSync(fd);
}
