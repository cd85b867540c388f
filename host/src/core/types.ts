// The records the pure decode core produces. Every consumer (CLI text/JSONL output,
// stats, exports, the HTML view) reads these and nothing else, so they are the
// contract between the protocol core and the edges. See protocol/SPEC.md.
//
// 64-bit quantities are bigint: ticks and nanoseconds exceed 2^53 on long traces.

import type { EventKind, Mode, NoticeCode, NoticeLevel } from './wire-gen.js';

// Kinds and notice codes are wire facts (protocol/wire.json, generated into wire-gen.ts).
export { EVENT_KINDS, type EventKind, type NoticeCode } from './wire-gen.js';

/** `rejected` (wire v2): refused by the recorder (stopped, too large, bad core, misuse), never in the ring */
export type LossCause = 'dropped' | 'overwritten' | 'link_lost' | 'rejected';
/** Every cause, in the order tables and reports list them. */
export const LOSS_CAUSES: readonly LossCause[] = ['dropped', 'overwritten', 'link_lost', 'rejected'];

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
  /** rejected is 0 in a version-1 header, which has no such counter */
  origin: { seq: number; events: number; dropped: number; overwritten: number; rejected: number }[];
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
  /** not received: assumed from the ELF and board because the stream's header was lost */
  assumed?: true;
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
  /** 0 in a version-1 stream */
  rejected: number;
}

export type TraceRecord = TraceEvent | LossRecord | Notice | HeaderRecord | StatusRecord;

/** A point where the target's counters contradict each other or what arrived (SPEC §9 step 6). */
export interface Contradiction {
  /** counters_backwards: a cumulative counter fell, or overwritten rose by more than the event gap;
   *  count_disagrees: no packet is missing, yet events_before is not the previous packet's end;
   *  final_disagrees: a FINAL status that is older than, or does not add up with, what arrived */
  kind: 'counters_backwards' | 'count_disagrees' | 'final_disagrees';
  /** seq of the packet (or next_seq of the status) where it was found */
  seq: number;
  tNs: bigint;
}

/** Per-core accounting (SPEC §9 step 6). */
export interface CoreStats {
  session: number;
  core: number;
  /** from the target's counters alone: committed + dropped + rejected between the baseline and the last proven point */
  generated: number;
  decoded: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
  /** refused by the recorder (wire v2); 0 for a version-1 stream, whose refusals are in dropped */
  rejected: number;
  /** wire version of the session's header: 1 means rejected was not sent */
  wireVersion: number;
  /** time of first and last decoded event, ns; null when none */
  firstNs: bigint | null;
  lastNs: bigint | null;
  /** no contradiction, and generated = decoded + dropped + overwritten + link_lost + rejected */
  identity: boolean;
  /** a FINAL status came after the core's last packet: the books are closed */
  closed: boolean;
  /** the last counters the target sent (the identity is proven up to there); null without any */
  provenSeq: number | null;
  provenNs: bigint | null;
  /** committed + dropped + rejected that a later non-final status counted beyond the proven point */
  tailUnaccounted: number;
  contradictions: Contradiction[];
}
