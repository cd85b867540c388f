// The records the pure decode core produces. Every consumer (CLI text/JSONL output,
// stats, exports, the HTML view) reads these and nothing else, so they are the
// contract between the protocol core and the edges. See protocol/SPEC.md.
//
// 64-bit quantities are bigint: ticks and nanoseconds exceed 2^53 on long traces.

import type { EventKind, Mode, NoticeCode, NoticeLevel } from './wire-gen.js';

// Kinds and notice codes are wire facts (protocol/wire.json, generated into wire-gen.ts).
export { EVENT_KINDS, type EventKind, type NoticeCode } from './wire-gen.js';

export type LossCause = 'dropped' | 'overwritten' | 'link_lost';

/** Stream header (SPEC §5), as decoded. */
export interface StreamHeader {
  version: number;
  boot: boolean;
  cores: number;
  mode: Mode;
  timerBits: number;
  timerHz: number;
  packetSize: number;
  packets: number;
  ts: bigint;
  session: number;
  /** lower-case hex, '' when the firmware has none */
  buildId: string;
  origin: { seq: number; events: number; dropped: number; overwritten: number }[];
}

export interface TraceEvent {
  type: 'event';
  /** index of the target session within the input (a target reset starts a new one) */
  session: number;
  core: number;
  /** packet sequence number the event came in */
  seq: number;
  ticks: bigint;
  tNs: bigint;
  kind: EventKind;
  id: number;
  /** numeric arguments; u64 values that exceed 2^53 stay exact as bigint */
  args: bigint[];
  /** raw bytes of a blob argument (nargs = 7), else undefined */
  blob?: Uint8Array;
  /** From ELF metadata (SPEC §11, host/src/core/metadata.ts); absent without --elf. */
  name?: string;
  /** formatted log text, `name field=value ...` for user events, `value unit` for counters */
  text?: string;
  /** user-event arguments by field name, typed by the metadata */
  fields?: Record<string, bigint | number | string>;
}

export interface LossRecord {
  type: 'loss';
  session: number;
  core: number;
  cause: LossCause;
  count: number;
  fromNs: bigint;
  toNs: bigint;
}

export interface Notice {
  type: 'notice';
  level: NoticeLevel;
  code: NoticeCode;
  message: string;
  /** byte offset in the input where the offending frame started, when known */
  offset?: number;
  /** for a discarded frame: byte offset where decoding resumed (after its delimiter) */
  resume?: number;
  /** the core the notice is about, when it is about one */
  core?: number;
}

export interface HeaderRecord {
  type: 'header';
  session: number;
  header: StreamHeader;
  offset: number;
}

export interface StatusRecord {
  type: 'status';
  session: number;
  core: number;
  final: boolean;
  ticks: bigint;
  tNs: bigint;
  nextSeq: number;
  committed: number;
  dropped: number;
  overwritten: number;
}

export type TraceRecord = TraceEvent | LossRecord | Notice | HeaderRecord | StatusRecord;

/** Per-core accounting (SPEC §9 step 6). */
export interface CoreStats {
  session: number;
  core: number;
  generated: number;
  decoded: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
  /** time of first and last decoded event, ns; null when none */
  firstNs: bigint | null;
  lastNs: bigint | null;
}
