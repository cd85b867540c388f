// The fleet walk-through of docs/DATA.md, run: the demo on two emulated boards in two builds
// (-O2 in build/, -Os in another folder), several capture sessions and one capture whose link
// lost frames, exported into one dataset. The SQL blocks are read out of docs/DATA.md, so the
// doc cannot drift from what is tested, and every answer is checked against `decode` and
// `stats` of the same captures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { boardElf, requireBoardBuilt } from '../boards/helpers.js';
import { ROOT } from '../e2e/helpers.js';
import { builtCli, jsonl, queryRows, runner, type Run } from './helpers.js';

const AN385 = 'qemu-mps2-an385';
const AN521 = 'qemu-mps2-an521';
const tmp = mkdtempSync(join(tmpdir(), 'tp-data-fleet-'));
const ds = join(tmp, 'fleet');
const osElf = (board: string) => join(tmp, 'os', board, 'demo.elf');
let tp: (...args: string[]) => Run;

interface Capture {
  board: string;
  elf: string;
  file: string;
}
const captures: Capture[] = [];

/** The SQL blocks of the fleet section of docs/DATA.md, by the question in their first line. */
function docQueries(): Map<string, string> {
  const md = readFileSync(join(ROOT, 'docs', 'DATA.md'), 'utf8');
  const start = md.indexOf('## A fleet, step by step');
  expect(start).toBeGreaterThan(0);
  const end = md.indexOf('\n## ', start + 1);
  const section = md.slice(start, end < 0 ? undefined : end);
  const out = new Map<string, string>();
  for (const m of section.matchAll(/```sql\n([\s\S]*?)```/g)) {
    const [first, ...rest] = m[1].trim().split('\n');
    expect(first.startsWith('-- ')).toBe(true);
    out.set(first.slice(3), rest.join('\n'));
  }
  return out;
}
const QUESTIONS = {
  isr: 'Which build raised the p99 of this ISR?',
  linkLost: 'On which boards does link_lost happen, and when?',
  span: 'Does the span work ever run over 50 µs?',
  books: 'Do the books close on every capture?',
};

beforeAll(() => {
  requireBoardBuilt(AN385, 'demo');
  requireBoardBuilt(AN521, 'demo');
  tp = runner(builtCli());
  // build B: the same demo at -Os into a folder of its own (another build id)
  for (const board of [AN385, AN521]) {
    execFileSync('make', ['-s', `BOARD=${board}`, 'OPT=-Os', `BUILD=${join(tmp, 'os', board)}`, osElf(board)], { cwd: ROOT, stdio: 'pipe' });
  }
  const plan: [string, string, string][] = [
    [AN385, boardElf(AN385, 'demo'), 'an385-O2-1'],
    [AN385, boardElf(AN385, 'demo'), 'an385-O2-2'],
    [AN385, osElf(AN385), 'an385-Os-1'],
    [AN521, boardElf(AN521, 'demo'), 'an521-O2-1'],
    [AN521, osElf(AN521), 'an521-Os-1'],
  ];
  for (const [board, elf, name] of plan) {
    const file = join(tmp, `${name}.tpt`);
    const r = tp('run', '--board', board, elf, '-o', file, '--duration', '1');
    expect(r.code, r.stderr).toBe(0);
    captures.push({ board, elf, file });
  }
  // a noisy cable: a copy of one capture with bytes flipped inside its received data. Sixteen
  // flips over the middle of the file: a flip that lands in a non-final STATUS, a repeated
  // HEADER or the container's own fields loses no event, and three once all did (a live
  // capture's layout differs from run to run); sixteen all missing the packets is not a case
  const noisy = join(tmp, 'an521-O2-noisy.tpt');
  const b = readFileSync(captures[3].file);
  for (let k = 0; k < 16; k++) b[Math.floor(b.length * (0.2 + (0.6 * k) / 15))] ^= 0x55;
  writeFileSync(noisy, b);
  captures.push({ board: AN521, elf: captures[3].elf, file: noisy });
  for (const c of captures) {
    const e = tp('export', c.file, '--elf', c.elf, '--format', 'parquet', '-o', ds);
    expect(e.code, e.stderr).toBe(0);
  }
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const q = (sql: string) => queryRows(tp, sql, ds);

interface Decoded {
  buildId: string;
  events: Record<string, unknown>[];
  losses: Record<string, unknown>[];
  stats: { total: Record<string, number>; identity: boolean; closed: boolean };
  capture: string;
}
const decoded = new Map<string, Decoded>();
function dec(c: Capture): Decoded {
  let d = decoded.get(c.file);
  if (!d) {
    const recs = jsonl(tp('decode', c.file, '--elf', c.elf, '--format', 'jsonl').stdout);
    const [row] = q(`SELECT capture FROM captures WHERE source = '${c.file}'`);
    d = {
      buildId: recs.find((r) => r.type === 'header')!.build_id as string,
      events: recs.filter((r) => r.type === 'event'),
      losses: recs.filter((r) => r.type === 'loss'),
      stats: JSON.parse(tp('stats', c.file, '--json').stdout) as Decoded['stats'],
      capture: row.capture as string,
    };
    decoded.set(c.file, d);
  }
  return d;
}

/** Begin/end pairs of one name from decode, per session, core and id, nested ends closing the latest begin. */
function pairs(d: Decoded, begin: string, end: string, name: string): { core: number; begin: bigint; end: bigint; cut: boolean }[] {
  const open = new Map<string, { t: bigint; named: boolean }[]>();
  const out: { core: number; begin: bigint; end: bigint; cut: boolean }[] = [];
  for (const e of d.events) {
    if (e.kind !== begin && e.kind !== end) continue;
    const key = `${String(e.session ?? 0)}/${String(e.core)}/${String(e.id)}`;
    const stack = open.get(key) ?? [];
    open.set(key, stack);
    const t = BigInt(e.t_ns as string);
    if (e.kind === begin) stack.push({ t, named: e.name === name });
    else {
      const b = stack.pop();
      if (!b || !(b.named || e.name === name)) continue;
      const cut = d.losses.some((l) => (l.session ?? 0) === (e.session ?? 0) && l.core === e.core && BigInt(l.from_ns as string) <= t && BigInt(l.to_ns as string) >= b.t);
      out.push({ core: e.core as number, begin: b.t, end: t, cut });
    }
  }
  return out;
}

const cmp = (a: unknown[], b: unknown[]): number => {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i], b[i]];
    if (x === y) continue;
    if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
};
const strs = (rows: unknown[][]) => rows.map((r) => r.map(String));

it('docs/DATA.md has one query per fleet question', () => {
  expect([...docQueries().keys()].sort()).toEqual(Object.values(QUESTIONS).sort());
  expect(new Set(captures.map((c) => c.board)).size).toBe(2);
  expect(new Set(captures.map((c) => dec(c).buildId)).size).toBe(4);
});

it('which build raised the p99 of the ISR: the answer equals the pairs decode gives', () => {
  const got = q(docQueries().get(QUESTIONS.isr)!);
  const byBuild = new Map<string, { board: string; elf: string; build: string; d: bigint[] }>();
  for (const c of captures) {
    const d = dec(c);
    const g = byBuild.get(d.buildId) ?? { board: c.board, elf: c.elf, build: d.buildId, d: [] };
    byBuild.set(d.buildId, g);
    for (const p of pairs(d, 'isr_enter', 'isr_exit', 'app_timer')) if (!p.cut) g.d.push(p.end - p.begin);
  }
  const want = [...byBuild.values()].map((g) => {
    const s = g.d.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return [g.build, g.elf, g.board, s[Math.ceil(0.99 * s.length) - 1], BigInt(s.length)];
  });
  want.sort((a, b) => cmp([b[3], a[0]], [a[3], b[0]]) || cmp([a[0]], [b[0]]));
  expect(want.length).toBe(4);
  expect(want.every((w) => (w[4] as bigint) > 100n)).toBe(true);
  expect(strs(got.map((r) => [r.build_id, r.elf, r.board, r.p99_ns, r.n]))).toEqual(strs(want));
});

it('where and when link_lost happens: every link_lost window of decode, and the totals of stats', () => {
  const got = q(docQueries().get(QUESTIONS.linkLost)!);
  const want: unknown[][] = [];
  for (const c of captures) {
    const d = dec(c);
    const mine = d.losses.filter((l) => l.cause === 'link_lost');
    expect(mine.reduce((s, l) => s + Number(l.count), 0)).toBe(d.stats.total.link_lost);
    for (const l of mine) want.push([c.board, c.file, l.core, l.count, BigInt(l.from_ns as string), l.to_ns]);
  }
  want.sort((a, b) => cmp([a[0], a[1]], [b[0], b[1]]) || (a[2] as number) - (b[2] as number) || cmp([a[4]], [b[4]]));
  // the noisy copy loses frames; the clean captures lose none on the link
  expect(dec(captures[5]).stats.total.link_lost).toBeGreaterThan(0);
  expect(strs(got.map((r) => [r.board, r.source, r.core, r.count, r.from_ns, r.to_ns]))).toEqual(strs(want));
  for (const r of got) expect(Date.parse(`${String(r.from_utc)}Z`)).toBeGreaterThan(Date.parse('2020-01-01'));
});

it('whether the span work runs over 50 µs: the answer equals the pairs decode gives', () => {
  const got = q(docQueries().get(QUESTIONS.span)!);
  const want: unknown[][] = [];
  let complete = 0;
  for (const c of captures) {
    const d = dec(c);
    const ps = pairs(d, 'span_begin', 'span_end', 'work');
    complete += ps.length;
    for (const p of ps) if (p.end - p.begin > 50_000n) want.push([c.board, d.capture, p.core, p.begin, p.end - p.begin]);
  }
  want.sort((a, b) => cmp(a.slice(0, 2), b.slice(0, 2)) || (a[2] as number) - (b[2] as number) || cmp([a[3]], [b[3]]));
  // the query's empty answer would mean something only if the spans are there and paired
  expect(complete).toBeGreaterThan(500);
  expect(Number(q("SELECT count(*)::BIGINT AS n FROM spans WHERE name = 'work' AND complete")[0].n)).toBe(complete);
  expect(strs(got.map((r) => [r.board, r.capture, r.core, r.begin_ns, r.duration_ns]))).toEqual(strs(want));
});

it('the books close on every capture, as stats says', () => {
  const got = q(docQueries().get(QUESTIONS.books)!);
  const want = captures.filter((c) => !dec(c).stats.identity || !dec(c).stats.closed).map((c) => c.file);
  expect(got.map((r) => r.source)).toEqual(want);
});
