// Live throughput: bench_live under QEMU in real time, UART0 on a pty, read once by the
// simplest possible reader (the link's ceiling) and once by `tracepipe capture`.
import { execFileSync, spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ensureBuilt, log, put, timed } from '../harness.mjs';
import * as T from '../target.mjs';

export const name = 'live';
export const about = 'live capture through a real pty, against a raw reader';

const BOARD = 'qemu-mps2-an385';

/** Starts bench_live under QEMU in real time with UART0 on a pty; resolves with the pty path
 * and a promise of QEMU's console text at exit. */
async function startLiveQemu(board, elf, seconds) {
  const cmd = T.qemuCommand(board, elf, { kind: 'pty' });
  const qemu = spawn('timeout', [String(seconds + 60), cmd.file, ...cmd.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let qout = '';
  let qerr = '';
  qemu.stderr.on('data', (b) => { qerr += b; });
  const done = new Promise((r) => qemu.on('close', () => r(qerr)));
  const pty = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('QEMU announced no pty')), 15000);
    qemu.stdout.on('data', (b) => {
      qout += b;
      const m = /char device redirected to (\/dev\/\S+)/.exec(qout);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  return { pty, done };
}

// The link's ceiling: the same firmware read by the simplest possible reader (blocking reads
// of 64 KiB, nothing decoded), so the capture's rate can be compared with what the link gives.
const RAW_READER = `
const fs = require('node:fs');
const fd = fs.openSync(process.argv[1], 'r+');
fs.writeSync(fd, Buffer.from([0, 6, 0x10, 0x3e, 0x94, 0x23, 0x42, 0])); // CMD_START frame (SPEC 10.1)
const buf = Buffer.alloc(65536);
let n = 0;
for (;;) {
  let k = 0;
  try { k = fs.readSync(fd, buf, 0, buf.length, null); } catch (e) { if (e.code === 'EAGAIN') continue; break; }
  if (k <= 0) break;
  n += k;
}
process.stdout.write(String(n));
`;

async function measure(ctx) {
  const LIVE_S = ctx.config.liveSeconds;
  const elf = T.elfPath(BOARD, '-O2', 'bench_live');
  const err = ensureBuilt(BOARD, '-O2');
  if (err) throw new Error(err);
  const bj = T.boardJson(BOARD);
  const tpt = join(ctx.work, 'live.tpt');

  const raw = await startLiveQemu(BOARD, elf, LIVE_S);
  const rr = await timed('node', ['-e', RAW_READER, raw.pty]);
  const rawErr = await raw.done;
  const [rawGt] = T.parseLines(rawErr, 'TPGT');
  const [rawLv] = T.parseLines(rawErr, 'live');
  const rawSeconds = rawLv ? rawLv.ticks / bj.timer.hz : null;
  const rawLink = rawGt && rawSeconds ? { eventsPerS: rawGt.generated / rawSeconds, bytesPerS: Number(rr.stdout) / rawSeconds, dropped: rawGt.dropped } : null;

  // Real time (no -icount): the link and the host set the pace, as on a real board.
  const q = await startLiveQemu(BOARD, elf, LIVE_S);
  const cap = await timed('node', [CLI, 'capture', '--port', q.pty, '--duration', String(LIVE_S + 30), '-o', tpt]);
  const qerr = await q.done;
  const stats = JSON.parse(execFileSync('node', [CLI, 'stats', '--json', tpt], { encoding: 'utf8' }));
  const [gt] = T.parseLines(qerr, 'TPGT');
  const [lv] = T.parseLines(qerr, 'live');
  const bytes = Number(/\((\d+) bytes in/.exec(cap.stdout + cap.stderr)?.[1] ?? statSync(tpt).size);
  const seconds = lv ? lv.ticks / bj.timer.hz : null;
  rmSync(tpt, { force: true });
  const t = stats.total;
  return {
    board: BOARD,
    seconds,
    events: t.decoded,
    eventsPerS: seconds ? t.decoded / seconds : null,
    bytesPerS: seconds ? bytes / seconds : null,
    bytes,
    dropped: t.dropped,
    overwritten: t.overwritten,
    link_lost: t.link_lost,
    identity: stats.identity,
    groundTruth: gt ?? null,
    hostCpu: cap.cpuS !== null ? cap.cpuS / cap.wallS : null,
    hostWallS: cap.wallS,
    hostCpuS: cap.cpuS,
    hostMaxRssMB: cap.maxRssMB,
    rawLink,
  };
}

export async function run(ctx, results) {
  log(`live throughput, ${ctx.config.liveSeconds} s`);
  try {
    put(results, ['live'], await measure(ctx));
  } catch (e) {
    put(results, ['live'], { error: e.message });
    log(`live: ${e.message}`);
  }
}
