// Wall-clock origin for exports: a capture stores the host receive time of every chunk, so
// target times can be fitted to UTC (core/clock-fit.ts). Raw streams have no host times.
//
// This is a separate, quick pass over the file with an unmerged decoder: records then
// leave the decoder while the chunk that carried them is being pushed, so the chunk's host
// time pairs with them. (The merged timeline of the export pass releases records later.)
import { open } from 'node:fs/promises';
import { CAPTURE_MAGIC, looksLikeCapture } from '../core/capture-format.js';
import { ClockSampler, fitClock, type ClockFit } from '../core/clock-fit.js';
import { TraceDecoder } from '../core/decoder.js';
import { readTraceInput } from '../io/input.js';
import type { WallClock } from './types.js';

async function isCapture(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = new Uint8Array(CAPTURE_MAGIC.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && looksLikeCapture(buf);
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

/** Fits the first target session of a capture file to UTC; undefined for raw streams or too few samples. */
export async function wallClockOf(path: string): Promise<WallClock | undefined> {
  const fit = await clockFitOf(path);
  if (!fit) return undefined;
  return { originUnixNs: fit.originUnixNs, driftPpm: fit.driftPpm, errorNs: fit.errorNs, samples: fit.samples };
}

/** The whole fit (with the rejected count that `stats` reports); undefined as for wallClockOf. */
export async function clockFitOf(path: string): Promise<ClockFit | undefined> {
  if (!(await isCapture(path))) return undefined;
  const sampler = new ClockSampler();
  let decoder: TraceDecoder;
  const sink = (rec: { type: string; session?: number; tNs?: bigint }) => {
    const host = decoder.lastHostTimeNs;
    if (host === undefined || rec.session !== 0 || rec.tNs === undefined) return;
    if (rec.type === 'event' || rec.type === 'status') sampler.add(rec.tNs, host);
  };
  decoder = new TraceDecoder(sink, { merge: false });
  try {
    await readTraceInput(path, {
      data: (bytes, hostNs) => decoder.push(bytes, hostNs),
      event: (ev) => {
        if (ev.kind === 'disconnect') decoder.push(Uint8Array.of(0));
      },
    });
    decoder.end();
  } catch {
    return undefined; // the export pass reports unreadable input in its own words
  }
  return fitClock(sampler.samples()) ?? undefined;
}
