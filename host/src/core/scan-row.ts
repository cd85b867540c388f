// The row of numbers a scan gives per PACKET it proved (frame-scan.ts in JavaScript, scan() of
// frame-kernel.c in WebAssembly), which TraceDecoder books without reading the frame again.

// A row: where the frame starts and resumes (bytes from the start of the scanned stretch;
// resume is after its delimiter), its head, and the tick offsets of its first and last event.
export const ROW_START = 0;
export const ROW_RESUME = 1;
export const ROW_CORE = 2;
export const ROW_SEQ = 3;
export const ROW_TS_LO = 4;
export const ROW_TS_HI = 5;
export const ROW_DURATION = 6;
export const ROW_EVENTS_BEFORE = 7;
export const ROW_DROPPED = 8;
export const ROW_OVERWRITTEN = 9;
export const ROW_REJECTED = 10;
export const ROW_N_EVENTS = 11;
export const ROW_FIRST = 12;
export const ROW_LAST = 13;
/** Numbers per row. */
export const SCAN_ROW = 14;

