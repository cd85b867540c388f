// In-process decode of a capture file (or raw stream file) for the loss-accounting tests:
// events, notices, headers and per-core stats, through the same reader the CLI uses.
import { TraceDecoder } from '../../host/src/core/decoder.js';
import type { CoreStats, HeaderRecord, Notice, StatusRecord, TraceEvent } from '../../host/src/core/types.js';
import { readTraceInput } from '../../host/src/io/input.js';

export interface FileDecode {
  events: TraceEvent[];
  notices: Notice[];
  headers: HeaderRecord[];
  statuses: StatusRecord[];
  stats: CoreStats[];
  captureEvents: string[];
}

export async function decodeFile(path: string): Promise<FileDecode> {
  const out: FileDecode = { events: [], notices: [], headers: [], statuses: [], stats: [], captureEvents: [] };
  const dec = new TraceDecoder(
    (r) => {
      if (r.type === 'event') out.events.push(r);
      else if (r.type === 'notice') out.notices.push(r);
      else if (r.type === 'header') out.headers.push(r);
      else if (r.type === 'status') out.statuses.push(r);
    },
    { merge: false },
  );
  await readTraceInput(path, {
    data: (bytes) => dec.push(bytes),
    event: (ev) => {
      out.captureEvents.push(ev.kind);
      // a link break: bytes after it do not continue the frame before it (as the CLI does)
      if (ev.kind === 'disconnect') dec.push(Uint8Array.of(0));
    },
  });
  dec.end();
  out.stats = dec.stats();
  return out;
}

/** Counts events whose self-checking stress payload (apps/stress_common/stress.c) is wrong. */
export function stressCheck(events: TraceEvent[], generated: Map<number, number>): {
  perCtx: Map<number, number>;
  torn: number;
  duplicatedOrReordered: number;
  invented: number;
} {
  const last = new Map<number, bigint>();
  const perCtx = new Map<number, number>();
  let torn = 0;
  let dup = 0;
  let invented = 0;
  for (const e of events) {
    if (e.id !== 3 || e.kind !== 'event' || e.args.length !== 3) {
      invented++;
      continue;
    }
    const [ctx, seq, check] = e.args;
    const c = Number(ctx);
    const want = (seq ^ 0xa5a5a5a5n ^ BigInt(Math.imul(c, 0x9e3779b9) >>> 0)) & 0xffffffffn;
    if (check !== want) torn++;
    if (!generated.has(c) || seq >= BigInt(generated.get(c)!)) invented++;
    const prev = last.get(c);
    if (prev !== undefined && seq <= prev) dup++;
    last.set(c, seq);
    perCtx.set(c, (perCtx.get(c) ?? 0) + 1);
  }
  return { perCtx, torn, duplicatedOrReordered: dup, invented };
}
