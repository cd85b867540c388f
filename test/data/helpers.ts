// The CLI for the data tests is the shipped bundle (npm run build: host/build.mjs keeps DuckDB
// external), run as a child process, so what is tested is what `npx tracepipe` runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { StreamWriter } from '../../host/src/core/encode.js';
import { CLI } from '../e2e/helpers.js';

/** The built CLI; fails (never skips) when it is missing. */
export function builtCli(): string {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  return CLI;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runner(cli: string): (...args: string[]) => Run {
  return (...args) => {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, TRACEPIPE_DEBUG: '' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/** The rows of `tracepipe query <sql> <inputs> --format jsonl`; the query must succeed. */
export function queryRows(tp: (...args: string[]) => Run, sql: string, ...inputs: string[]): Record<string, unknown>[] {
  const r = tp('query', sql, ...inputs, '--format', 'jsonl');
  expect(r.code, r.stderr).toBe(0);
  return jsonl(r.stdout);
}

/** JSON lines of stdout. */
export function jsonl(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * A one-core trace with a 64-bit, 1 GHz timer (t_ns = ticks), whose events sit just below
 * 2^63 and just above 2^53: times a double cannot hold.
 */
export function extremeTrace(times: bigint[]): Uint8Array {
  const w = new StreamWriter();
  w.raw(Uint8Array.of(0));
  w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 64, timerHz: 1_000_000_000, packetSize: 256, packets: 8, ts: 0, session: 1, buildId: 'ab' });
  times.forEach((t, i) => {
    w.beginPacket(0, i, t, i * 2, 0, 0);
    w.event('mark', 1, t);
    w.event('counter', 2, t + 1n, [0xffff_ffff_ffff_fff0n]);
    w.endPacket(t + 2n);
  });
  const last = times[times.length - 1] + 10n;
  w.status({ core: 0, final: true, ts: last, nextSeq: times.length, committed: times.length * 2, dropped: 0, overwritten: 0 });
  return w.bytes();
}

/**
 * One core, 1 GHz: span 7 whole in packet 0; span 8 begins in packet 0 and ends in packet 1;
 * span 9 begins in packet 1 and ends in packet 2. Packet 1 is lost on the link, so span 8 has
 * no end and span 9 no begin, and both are cut by the loss; an ISR pair in packet 2 is whole.
 */
export function cutSpansTrace(): Uint8Array {
  const w = new StreamWriter();
  w.raw(Uint8Array.of(0));
  w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: 1_000_000_000, packetSize: 256, packets: 8, ts: 0, session: 1, buildId: 'cd' });
  w.beginPacket(0, 0, 100, 0, 0, 0).event('span_begin', 7, 100).event('span_end', 7, 150).event('span_begin', 8, 180).endPacket(200);
  // packet 1 (span_end 8 at 250, span_begin 9 at 260) never arrives: seq 1 is missing
  w.beginPacket(0, 2, 300, 5, 0, 0).event('span_end', 9, 330).event('isr_enter', 16, 340).event('isr_exit', 16, 350).endPacket(360);
  w.status({ core: 0, final: true, ts: 400, nextSeq: 3, committed: 8, dropped: 0, overwritten: 0 });
  return w.bytes();
}
