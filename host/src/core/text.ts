// One line of human text per record (`decode --format text`). Times are printed in
// seconds with 9 decimals from the exact ns value, so nothing is rounded.
//
// Strings from the device (log `%s` arguments, TP_STR fields) and from the ELF (names,
// format strings) may hold anything. Text output escapes them (escapeText), so a record is
// always exactly one line and never drives the terminal (issue 10 §3).

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
  if (rec.kind === 'log') {
    // Info is the plain TP_LOG; the other levels stand out (core/metadata.ts EventMeta.level).
    const level = (rec as { level?: string }).level;
    const tag = level && level !== 'info' ? `${level.toUpperCase()} ` : '';
    return tag + (rec.text ?? rec.name ?? '');
  }
  if (rec.kind === 'event') return rec.text ?? rec.name ?? '';
  if (rec.text !== undefined) return `${rec.name} = ${rec.text}`;
  return rec.name ?? '';
}

// Every character that can end a line, move the cursor, start a terminal sequence or
// reorder or hide text: C0 and C1 controls and DEL (Cc, which holds ESC, CR, LF, NEL and the
// 8-bit CSI), format characters (Cf: bidi overrides and isolates, zero-width characters,
// BOM), line and paragraph separators (Zl, Zp), and lone surrogates (Cs).
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const short = SHORT[c];
  if (short) return short;
  // A character above U+FFFF is written as its two UTF-16 halves, as JSON writes it.
  let out = '';
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * The text with every unsafe character written as an escape: `\n`, `\r`, `\t`, else `\uXXXX`
 * (a UTF-16 pair above U+FFFF), the notation JSON uses for the TP_STR fields already quoted in
 * the text. A backslash is left as it is: the escapes make the text safe to print, and the
 * JSONL output is the exact form of every string.
 */
export function escapeText(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, escapeOne) : s;
}

/**
 * JSON text of a value, with the characters JSON.stringify leaves raw (C1 controls, DEL,
 * format characters, U+2028/2029) escaped too: the same value to a JSON reader, and inert
 * on a terminal.
 */
export function jsonLine(value: unknown): string {
  return escapeText(JSON.stringify(value));
}

export function recordToText(rec: TraceRecord): string {
  return escapeText(rawRecordText(rec));
}

function rawRecordText(rec: TraceRecord): string {
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
      return `header ${sess}v${h.version}${h.boot ? ' BOOT' : ''}${h.noFlush ? ' NO_FLUSH' : ''} cores=${h.cores} mode=${h.mode} timer=${h.timerHz}Hz/${h.timerBits}bit packet=${h.packetSize}x${h.packets} session=${h.session}${h.buildId ? ` build_id=${h.buildId}` : ''} @${rec.offset}`;
    }
    case 'notice': {
      const where = rec.offset !== undefined ? ` @${rec.offset}` : '';
      return `${rec.level}: ${rec.code}: ${rec.message}${where}`;
    }
  }
}
