// The physical floor of an export: writing `bytes` zeros to a new file at `path` in chunks of
// `chunk` bytes (the exporters hand the writer 1 MiB buffers, io/background-writer.ts), then
// fsync (a file renamed into place is made durable first, export/sinks.ts OutputFile), then
// removing it. What an export of that many output bytes cannot beat on this file system.
// Usage: node bench/write-floor.mjs <path> <bytes> [chunk]
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';

const [path, bytesArg, chunkArg] = process.argv.slice(2);
const bytes = Number(bytesArg);
const chunk = Number(chunkArg ?? 1 << 20);
const buf = new Uint8Array(chunk);
const fd = openSync(path, 'wx');
try {
  for (let left = bytes; left > 0; ) {
    const n = Math.min(left, chunk);
    for (let off = 0; off < n; ) off += writeSync(fd, buf, off, n - off);
    left -= n;
  }
  fsyncSync(fd);
} finally {
  closeSync(fd);
  unlinkSync(path);
}
