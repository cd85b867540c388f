// The worker of io/scan-pool.ts (its own bundle, dist/scan-worker.cjs): scans the stretches it
// is sent and sends them back with their rows, both buffers moved, not copied.
import { parentPort } from 'node:worker_threads';
import { FrameScanner } from '../core/frame-scan.js';
import type { ScanReply, ScanRequest } from './scan-pool.js';

const scanner = new FrameScanner();
parentPort!.on('message', (m: ScanRequest) => {
  const out = scanner.scan(Buffer.from(m.bytes, 0, m.length), { rows: new Float64Array(m.rows), count: 0 });
  const reply: ScanReply = { ...m, count: out.count };
  parentPort!.postMessage(reply, [m.bytes, m.rows]);
});
