// One line of human text per record (`decode --format text`). Times are printed in
// seconds with 9 decimals from the exact ns value, so nothing is rounded.

import type { TraceEvent, TraceRecord } from './types.js';

export function formatNs(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  const s = a / 1_000_000_000n;
  const frac = (a % 1_000_000_000n).toString().padStart(9, '0');
  return `${neg ? '-' : ''}${s}.${frac}`;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

/** An event named by ELF metadata (SPEC §11.4): log text, `name field=value ...`, `name = value unit`, or the name. */
function namedEventText(rec: TraceEvent): string {
  if (rec.kind === 'log' || rec.kind === 'event') return rec.text ?? rec.name ?? '';
  if (rec.text !== undefined) return `${rec.name} = ${rec.text}`;
  return rec.name ?? '';
}

export function recordToText(rec: TraceRecord): string {
  const sess = 'session' in rec && rec.session > 0 ? `s${rec.session} ` : '';
  switch (rec.type) {
    case 'event': {
      if (rec.name !== undefined) {
        return `${formatNs(rec.tNs)} ${sess}core ${rec.core} ${rec.kind.padEnd(10)} ${namedEventText(rec)}`;
      }
      let line = `${formatNs(rec.tNs)} ${sess}core ${rec.core} ${rec.kind.padEnd(10)} id=${rec.id}`;
      if (rec.name !== undefined) line += ` ${rec.name}`;
      if (rec.text !== undefined) return `${line}: ${rec.text}`;
      if (rec.args.length > 0) line += ` args=${rec.args.join(',')}`;
      if (rec.blob) line += ` blob=${hex(rec.blob)}`;
      return line;
    }
    case 'loss':
      return `${formatNs(rec.fromNs)} ${sess}core ${rec.core} LOSS ${rec.cause} ${rec.count} event(s) in [${formatNs(rec.fromNs)}, ${formatNs(rec.toNs)}] s`;
    case 'status':
      return `${formatNs(rec.tNs)} ${sess}core ${rec.core} status${rec.final ? ' FINAL' : ''} next_seq=${rec.nextSeq} committed=${rec.committed} dropped=${rec.dropped} overwritten=${rec.overwritten}`;
    case 'header': {
      const h = rec.header;
      if (rec.assumed) return `header ${sess}ASSUMED (none received) cores=${h.cores} timer=${h.timerHz}Hz/${h.timerBits}bit${h.buildId ? ` build_id=${h.buildId}` : ''} @${rec.offset}`;
      return `header ${sess}v${h.version}${h.boot ? ' BOOT' : ''} cores=${h.cores} mode=${h.mode} timer=${h.timerHz}Hz/${h.timerBits}bit packet=${h.packetSize}x${h.packets} session=${h.session}${h.buildId ? ` build_id=${h.buildId}` : ''} @${rec.offset}`;
    }
    case 'notice': {
      const where = rec.offset !== undefined ? ` @${rec.offset}` : '';
      return `${rec.level}: ${rec.code}: ${rec.message}${where}`;
    }
  }
}
