// Runs the real CTF reader, babeltrace2, and parses its text output and its
// discarded-events / discarded-packets warnings.
import { spawnSync } from 'node:child_process';

export interface BtEvent {
  /** clock value: cycles with --clock-cycles, ns with --clock-seconds */
  time: bigint;
  name: string;
  cpu: number;
  fields: Map<string, string>;
  data?: number[];
}

export interface BtDiscard {
  what: 'events' | 'packets';
  count: number;
  from: bigint;
  to: bigint;
  stream: number;
}

export interface BtOutput {
  events: BtEvent[];
  discards: BtDiscard[];
  stderr: string;
}

function parseTime(s: string, clock: 'cycles' | 'seconds'): bigint {
  if (clock === 'cycles') return BigInt(s);
  const m = /^(\d+)\.(\d{9})$/.exec(s);
  if (!m) throw new Error(`unexpected babeltrace2 time ${s}`);
  return BigInt(m[1]) * 1_000_000_000n + BigInt(m[2]);
}

export function babeltrace(dir: string, clock: 'cycles' | 'seconds'): BtOutput {
  const r = spawnSync('babeltrace2', [clock === 'cycles' ? '--clock-cycles' : '--clock-seconds', '--no-delta', dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`babeltrace2 failed (${r.status}): ${r.stderr}`);
  const events: BtEvent[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const m = /^\[([\d.]+)\] (\w+): \{ cpu_id = (\d+) \}, \{ (.*) \}$/.exec(line);
    if (!m) throw new Error(`unparsed babeltrace2 line: ${line}`);
    const ev: BtEvent = { time: parseTime(m[1], clock), name: m[2], cpu: Number(m[3]), fields: new Map() };
    let body = m[4];
    const dm = /, data = \[ (.*) \]$/.exec(body);
    if (dm) {
      ev.data = dm[1].split(', ').map((x) => Number(/^\[\d+\] = (\d+)$/.exec(x)![1]));
      body = body.slice(0, dm.index);
    }
    for (const f of body.split(', ')) {
      const fm = /^(\w+) = (\d+)$/.exec(f);
      if (!fm) throw new Error(`unparsed field ${f} in ${line}`);
      ev.fields.set(fm[1], fm[2]);
    }
    events.push(ev);
  }
  const discards: BtDiscard[] = [];
  const re = /Tracer discarded (\d+) (event|packet)s? between \[([\d.]+)\] and \[([\d.]+)\].*stream ID: (\d+)\)/g;
  for (const m of r.stderr.matchAll(re)) {
    discards.push({
      what: m[2] === 'event' ? 'events' : 'packets',
      count: Number(m[1]),
      from: parseTime(m[3], clock),
      to: parseTime(m[4], clock),
      stream: Number(m[5]),
    });
  }
  return { events, discards, stderr: r.stderr };
}
