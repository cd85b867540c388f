// The live terminal view (issue 12 §1): `run --tui` in a real terminal under tmux, read with
// capture-pane and driven with send-keys, on the dual-core demo under QEMU. The view must show
// the ELF's names, per-core rates, the losses row and logs, its numbers must add up, `q` must
// stop the capture cleanly (exit 0, a capture that decodes, the summary after the view). Without
// a terminal, --tui and top are one usage line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startQemu } from '../../host/src/io/qemu.js';
import { cli, CLI, emulatorOf, lines, ROOT, statsOf } from '../e2e/helpers.js';

const BOARD = 'qemu-mps2-an521';
const ELF = join(ROOT, 'build', BOARD, 'demo.elf');
let session = 0;
let SESSION = '';
const work = mkdtempSync(join(tmpdir(), 'tracepipe-tui-'));

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', SESSION);
/** the screen with its colours (SGR escapes) */
const colours = () => tmux('capture-pane', '-p', '-e', '-t', SESSION);
/** the pane with its scrollback: the summary pushes the view's top off the screen */
const history = () => tmux('capture-pane', '-p', '-S', '-200', '-t', SESSION);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ok: (text: string) => boolean, read = screen, limitMs = 60_000): Promise<string> {
  const deadline = Date.now() + limitMs;
  let text = '';
  while (Date.now() < deadline) {
    text = read();
    if (ok(text)) return text;
    await sleep(250);
  }
  throw new Error(`the pane never showed ${what}; last screen:\n${text}`);
}

/** "5.8k" -> 5800 */
function rateOf(s: string): number {
  const m = /^([\d.]+)([kM]?)$/.exec(s);
  if (!m) throw new Error(`not a rate: ${s}`);
  return Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'M' ? 1e6 : 1);
}

interface Shown {
  cores: { core: number; perS: number; events: number; losses: number[] }[];
  events: { kind: string; name: string; events: number; cores: string }[];
  rest: number;
  logs: string[];
}

function parse(text: string): Shown {
  const rows = text.split('\n');
  const cores = rows.flatMap((l) => {
    const m = /^core(\d+)\s+([\d.]+[kM]?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(l);
    return m ? [{ core: Number(m[1]), perS: rateOf(m[2]), events: Number(m[3]), losses: [Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7])] }] : [];
  });
  const start = rows.findIndex((l) => l.startsWith('KIND'));
  const logsAt = rows.findIndex((l) => l.startsWith('LATEST LOGS'));
  const events: Shown['events'] = [];
  let rest = 0;
  for (const l of rows.slice(start + 1, logsAt)) {
    const more = /^\s+\(\d+ more\)\s+[\d.]+[kM]?\s+(\d+)\s*$/.exec(l);
    if (more) rest = Number(more[1]);
    const m = /^(\w+)\s+(.+?)\s+[\d.]+[kM]?\s+(\d+)\s+([\d,]+)\s*$/.exec(l);
    if (m && !more) events.push({ kind: m[1], name: m[2], events: Number(m[3]), cores: m[4] });
  }
  const logs = rows.slice(logsAt + 1).filter((l) => / core \d log /.test(l));
  return { cores, events, rest, logs };
}

/** Starts `command` (a tracepipe command line) in a new 120x40 tmux session; returns the file its exit status goes to. */
function inTmux(command: string, env: string[] = ['NO_COLOR=']): string {
  SESSION = `tracepipe-tui-${process.pid}-${++session}`;
  started.push(SESSION);
  const exitFile = join(work, `exit-${session}`);
  const cmd = `node ${relative(ROOT, CLI)} ${command}; echo $? > ${exitFile}; echo VIEW-CLOSED; sleep 600`;
  tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '40', '-c', ROOT, ...env.flatMap((e) => ['-e', e]), cmd);
  return exitFile;
}

/** q, then the view's last frame and the summary below it; the process exited 0. */
async function quit(exitFile: string, out: string, stopped: string): Promise<string> {
  tmux('send-keys', '-t', SESSION, 'q');
  const after = await waitFor('the end of the run', (t) => /^VIEW-CLOSED$/m.test(t), history);
  expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
  expect(after.search(/^capture: /m)).toBeGreaterThan(after.lastIndexOf('LATEST LOGS'));
  const quoted = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(after).toMatch(new RegExp(`^capture: ${quoted(out)} \\(\\d+ bytes in [\\d.]+ s; stopped: ${quoted(stopped)}\\)$`, 'm'));
  expect(after).toMatch(new RegExp(`^capture ended: ${quoted(stopped)}$`, 'm'));
  expect(after).toMatch(/^identity: generated = decoded \+ dropped \+ overwritten \+ link_lost \+ rejected holds for every core/m);
  spawnSync('tmux', ['kill-session', '-t', SESSION]);
  return after;
}

// every session, also those of a test that failed before its q: their emulators would run on
const started: string[] = [];
afterEach(() => {
  for (const s of started.splice(0)) spawnSync('tmux', ['kill-session', '-t', s]);
});

afterAll(() => {
  for (const s of started.splice(0)) spawnSync('tmux', ['kill-session', '-t', s]);
  rmSync(work, { recursive: true, force: true });
});

describe('run --tui under tmux', () => {
  it('shows named per-core and per-event rates, losses and logs; q stops cleanly, then the summary', async () => {
    const built = spawnSync('make', ['-s', `BOARD=${BOARD}`, `build/${BOARD}/demo.elf`], { cwd: ROOT, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    const out = join(work, 'tui.tpt');
    // relative paths keep the title on one 120-column line
    const exitFile = inTmux(`run --tui --board ${BOARD} ${relative(ROOT, ELF)} -o ${out}`);

    // both cores running, named rows, and a log line
    const text = await waitFor('both cores, named events and logs', (t) => {
      const s = parse(t);
      return s.cores.length === 2 && s.cores.every((c) => c.perS > 0) && s.events.some((e) => e.name === 'filtered') && s.logs.length > 0;
    });
    const shown = parse(text);
    expect(text).toMatch(/^CORE\s+EV\/S\s+EVENTS\s+DROPPED\s+OVERWRITTEN\s+LINK_LOST\s+REJECTED/m);
    expect(text).toMatch(/^(no losses|LOSSES: see the red counts above)$/m);
    expect(text).toMatch(/^elapsed [\d.]+ s\s+[\d.]+[kM]?B\/s\s+\d+ bytes received/m);
    // names from the ELF, on the core that records them
    const row = (kind: string, name: string) => shown.events.find((e) => e.kind === kind && e.name === name);
    expect(row('event', 'tick')?.cores).toBe('0');
    expect(row('isr_enter', 'app_timer')?.cores).toBe('0');
    expect(row('event', 'filtered')?.cores).toBe('1');
    expect(shown.events.every((e) => !/^id=/.test(e.name))).toBe(true);
    // one frame adds up: the event rows (and the rest) are every event of every core
    const total = shown.cores.reduce((a, c) => a + c.events, 0);
    expect(shown.events.reduce((a, e) => a + e.events, 0) + shown.rest).toBe(total);
    // an ISR enters as often as it exits, give or take the one in flight
    expect(Math.abs(row('isr_enter', 'app_timer')!.events - row('isr_exit', 'app_timer')!.events)).toBeLessThanOrEqual(1);
    expect(shown.logs.join('\n')).toMatch(/core [01] log\s+(INFO|DEBUG|WARN|TRACE)? ?\S/);

    await quit(exitFile, out, 'interrupted');

    // the capture file is whole: it decodes, its books close, and it holds at least what was shown
    expect(existsSync(out)).toBe(true);
    const stats = await statsOf(out);
    expect(stats.identity).toBe(true);
    expect(stats.closed).toBe(true);
    for (const c of shown.cores) expect(stats.cores.find((s) => s.core === c.core)!.decoded).toBeGreaterThanOrEqual(c.events);
  });
});

describe('top under tmux', () => {
  it('a board on a port: the view stays after the capture ends by itself, until q', async () => {
    const elf = join(ROOT, 'build', 'qemu-mps2-an385', 'demo.elf');
    const q = await startQemu({ emulator: emulatorOf(), elf });
    try {
      const out = join(work, 'top.tpt');
      const exitFile = inTmux(`top --port ${q.ptyPath} --elf ${relative(ROOT, elf)} -o ${out} --duration 2`);
      const text = await waitFor('the end of the capture, with named rows', (t) => /^capture ended: duration reached; q closes the view$/m.test(t) && /^event\s+tick\s/m.test(t));
      const shown = parse(text);
      expect(shown.cores.map((c) => c.core)).toEqual([0]);
      expect(shown.events.reduce((a, e) => a + e.events, 0) + shown.rest).toBe(shown.cores[0].events);
      expect(shown.logs.length).toBeGreaterThan(0);
      await quit(exitFile, out, 'duration reached');
      const stats = await statsOf(out);
      expect(stats.identity).toBe(true);
      expect(stats.cores[0].decoded).toBeGreaterThanOrEqual(shown.cores[0].events);
    } finally {
      await q.stop(500);
    }
  });
});

describe('losses in the view', () => {
  const overload = join(ROOT, 'build', 'qemu-mps2-an385', 'e2e_overload.elf');
  const ended = (t: string) => /^capture ended: firmware exited; q closes the view$/m.test(t);

  it('a non-zero loss count is red, also where CI is set (ink and chalk would draw nothing live, and no colour)', async () => {
    const out = join(work, 'overload.tpt');
    const exitFile = inTmux(`run --tui --board qemu-mps2-an385 ${relative(ROOT, overload)} -o ${out}`, ['NO_COLOR=', 'CI=true']);
    const text = await waitFor('the overload run ended', ended);
    const shown = parse(text);
    expect(shown.cores[0].losses[0]).toBeGreaterThan(0); // dropped
    expect(text).toMatch(/^LOSSES: see the red counts above$/m);
    const row = colours().split('\n').find((l) => l.replace(/\x1b\[[0-9;]*m/g, '').startsWith('core0'))!;
    // the dropped count is red, the zero counts are not
    expect(row).toMatch(new RegExp(`\x1b\\[[0-9;]*31m\\s*${shown.cores[0].losses[0]}`));
    expect(row.match(/\x1b\[[0-9;]*31m/g)).toHaveLength(1);
    await quit(exitFile, out, 'firmware exited');
  });

  it('NO_COLOR: the same view without red', async () => {
    const out = join(work, 'overload-nocolor.tpt');
    const exitFile = inTmux(`run --tui --board qemu-mps2-an385 ${relative(ROOT, overload)} -o ${out}`, ['NO_COLOR=1']);
    const text = await waitFor('the overload run ended', ended);
    expect(parse(text).cores[0].losses[0]).toBeGreaterThan(0);
    expect(colours()).not.toMatch(/\x1b\[[0-9;]*31m/);
    await quit(exitFile, out, 'firmware exited');
  });
});

describe('--tui without a terminal', () => {
  it('run --tui and top are one usage line (exit 2), before anything starts', async () => {
    const out = join(work, 'never.tpt');
    for (const args of [['run', '--tui', '--board', BOARD, ELF, '-o', out], ['top', '--port', '/dev/null', '-o', out]]) {
      const r = await cli(args, { timeoutMs: 30_000 });
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/^tracepipe: (--tui|top) needs a terminal \(stdin and stdout a TTY\); without one use --follow, or the status line\n$/);
      expect(r.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    }
  });

  it('--tui with --follow is refused: both want the terminal', async () => {
    const r = await cli(['run', '--tui', '--follow', '--board', BOARD, ELF, '-o', join(work, 'never.tpt')], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tracepipe: --tui and --follow both want the terminal: give one of them\n');
  });
});
