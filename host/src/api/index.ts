// tracepipe as a library: the package's `exports` entry. Everything a test suite needs to read
// traces, run firmware under emulation, capture a port, export, and assert on what it recorded.
// This file only chooses what is public; the work is done by the same code as the CLI's.

export {
  decodeTrace,
  loadNames,
  readStats,
  readTrace,
  readTraceSync,
  statsOf,
  traceRecords,
  type DecodeOptions,
  type DecodedTrace,
  type ElfNames,
  type Stats,
  type TraceOptions,
} from './trace.js';
export {
  captureFromSerialPort,
  runOnEmulator,
  type Capture,
  type CaptureCommon,
  type EmulatorRunOptions,
  type PortCaptureOptions,
} from './capture.js';
export { exportTrace, type ExportFormat, type ExportOptions, type ExportResult } from './export.js';
export {
  expectIdentity,
  expectNoLosses,
  expectSequence,
  expectSpanBelow,
  spans,
  TraceAssertionError,
  type EventMatcher,
  type SpanInstance,
} from './expect.js';

// The record types every function above yields (protocol/SPEC.md describes their fields).
export type {
  CoreStats,
  EventKind,
  HeaderRecord,
  LossCause,
  LossRecord,
  Notice,
  NoticeCode,
  StatusRecord,
  StreamHeader,
  TraceEvent,
  TraceRecord,
} from '../core/types.js';
export type { NamedEvent, ArgValue } from '../core/metadata.js';
export type { GroundTruth } from '../cli/ground-truth.js';
export type { StopReason } from '../io/live.js';
export { CliError as TracepipeError, UsageError } from '../errors.js';
export { VERSION } from '../cli/version.js';
