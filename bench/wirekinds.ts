// Wire bytes per record kind in a UART dump of apps/bench_wire_kinds (bench/sections/masked.mjs
// through bench/host-bench.ts wirekinds): the frames are parsed with the decoder's own message
// parsers, in the wire version the session's HEADER gives.
import { cobsDecode } from '../host/src/core/cobs.js';
import { parseHeader, parsePacketHead } from '../host/src/core/messages.js';
import { EVENT_KINDS } from '../host/src/core/types.js';
import { Cursor } from '../host/src/core/varint.js';
import { MSG_HEADER, MSG_PACKET, MSG_STATUS, STATUS_FLAG_FINAL, WIRE_VERSION } from '../host/src/core/wire-gen.js';

export interface Group {
  kind: string;
  nargs: number;
  events: number;
  bytes: number;
  packets: number;
}

export interface WireKinds {
  totalBytes: number;
  events: number;
  otherBytes: number;
  otherFrames: number;
  badFrames: number;
  groups: (Group & { bytesPerEvent: number })[];
}

/**
 * Attributes every PACKET frame of a UART dump (delimiter included) to the (kind, nargs)
 * of its events; the app flushes between groups, so a packet never mixes them. HEADER and
 * STATUS frames are reported apart, as overhead shared by all groups.
 */
export function wireKinds(data: Uint8Array): WireKinds {
  const groups: Group[] = [];
  let cur: Group | null = null;
  let otherBytes = 0;
  let otherFrames = 0;
  let badFrames = 0;
  let version = WIRE_VERSION; // until a HEADER says otherwise: what the firmware writes
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0) continue;
    const frameLen = i + 1 - start;
    const cobs = data.subarray(start, i);
    start = i + 1;
    if (cobs.length === 0) {
      otherBytes += frameLen;
      continue;
    }
    const m = cobsDecode(cobs);
    if (!m || m.length < 5) {
      badFrames++;
      continue;
    }
    if (m[0] !== MSG_PACKET) {
      otherBytes += frameLen;
      otherFrames++;
      // the packet layout depends on the session's wire version (v2 added rejected)
      if (m[0] === MSG_HEADER) version = parseHeader(m, 0, m.length - 4).version;
      // a FINAL status ends a flush: the app's next group starts after it
      if (m[0] === MSG_STATUS && (m[2] & STATUS_FLAG_FINAL) !== 0) cur = null;
      continue;
    }
    const c = new Cursor(m, 1, m.length - 4);
    const n = parsePacketHead(c, version).nEvents;
    if (n === 0) {
      otherBytes += frameLen;
      otherFrames++;
      continue;
    }
    const h = m[c.pos];
    const kind = EVENT_KINDS[h >> 5];
    const nargs = (h >> 2) & 7;
    if (!cur || cur.kind !== kind || cur.nargs !== nargs) {
      cur = { kind, nargs, events: 0, bytes: 0, packets: 0 };
      groups.push(cur);
    }
    cur.events += n;
    cur.bytes += frameLen;
    cur.packets++;
  }
  const out = groups.map((g) => ({ ...g, bytesPerEvent: g.bytes / g.events }));
  const events = out.reduce((a, g) => a + g.events, 0);
  return { totalBytes: data.length, events, otherBytes, otherFrames, badFrames, groups: out };
}

