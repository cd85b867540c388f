// Runs a firmware under QEMU with UART0 on stdio pipes (byte-exact both ways, qemu.md §1) and
// records the clean trace stream exactly as the UART sent it, plus the firmware's ground truth
// from semihosting. The host side speaks the protocol: CMD_START first, CMD_STOP once every core
// has sent its FINAL status (the apps wait for that acknowledgement before exiting).
import { spawn } from 'node:child_process';
import { TraceDecoder } from '../../host/src/core/decoder.js';
import { commandFrame } from '../../host/src/io/commands.js';
import { qemuCommand } from '../../host/src/io/emulator.js';
import { dieWithParent } from '../../host/src/io/qemu.js';
import { BOARD, emulatorOf } from '../e2e/helpers.js';
import { parseGroundTruth, type GroundTruth } from '../../host/src/cli/ground-truth.js';

export interface PipeRun {
  stream: Buffer;
  semihost: string;
  groundTruth: GroundTruth[];
  /** TPCTX lines: generated per (core, ctx) */
  contexts: Map<string, number>;
  code: number | null;
}

export function runQemuPipe(
  elfPath: string,
  opts: { extraArgs?: string[]; timeoutMs?: number; board?: string } = {},
): Promise<PipeRun> {
  const q = qemuCommand(emulatorOf(opts.board ?? BOARD), elfPath, { uart: { kind: 'stdio' }, extra: opts.extraArgs });
  // a test runner that is killed takes its QEMUs with it
  const cmd = dieWithParent(q.file, q.args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.file, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let cores = 0;
    const finals = new Set<number>();
    let acked = false;
    const dec = new TraceDecoder(
      (r) => {
        if (r.type === 'header') cores = r.header.cores;
        if (r.type === 'status' && r.final) finals.add(r.core);
      },
      { merge: false, objects: false },
    );
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      dec.push(c);
      if (!acked && cores > 0 && finals.size >= cores) {
        acked = true;
        child.stdin.write(commandFrame('CMD_STOP'));
      }
    });
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const semihost = Buffer.concat(err).toString('utf8');
      const contexts = new Map<string, number>();
      for (const m of semihost.matchAll(/^TPCTX core=(\d+) ctx=(\d+) generated=(\d+)/gm)) contexts.set(`${m[1]}:${m[2]}`, +m[3]);
      resolve({ stream: Buffer.concat(out), semihost, groundTruth: parseGroundTruth(semihost).cores, contexts, code });
    });
    child.stdin.write(commandFrame('CMD_START'));
  });
}
