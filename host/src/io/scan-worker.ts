// The worker of io/scan-pool.ts (its own bundle, dist/scan-worker.cjs): scans the stretches it
// takes (io/stretch-worker.ts) into the shared memory.
import { workerData } from 'node:worker_threads';
import { FrameScanner } from '../core/frame-scan.js';
import type { ScanWorkerData } from './scan-pool.js';
import { workStretches } from './stretch-worker.js';

workStretches(workerData as ScanWorkerData, (shared) => {
  const scanner = new FrameScanner();
  return (j, fd) => shared.scan(j, fd, scanner);
});
