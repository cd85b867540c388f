// Shared helpers of the hostile suite (issue 10): the built CLI run as a careless user or an
// attacker would, through a real shell where redirections matter, on synthetic traces from the
// host encoder or on captures of real firmware.
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { runCli } from '../../host/src/cli/program.js';
import { CLI, artifactDir, requireBuilt } from '../e2e/helpers.js';
import { synthTrace } from '../export/synth.js';

export interface ShResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` with sh -c; $TP is the CLI (node dist/tracepipe.cjs). */
export function sh(script: string, opts: { cwd?: string; uid?: number; gid?: number; input?: Uint8Array } = {}): Promise<ShResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], {
      cwd: opts.cwd,
      env: { ...process.env, TP: `${process.execPath} ${CLI}` },
      stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      uid: opts.uid,
      gid: opts.gid,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    if (opts.input) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(opts.input);
    }
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** A fresh folder for one test file, readable by every user (some tests run the CLI as nobody). */
export function hostileDir(name: string): string {
  requireBuilt();
  const dir = artifactDir(`hostile-${name}`);
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * A raw trace file big enough that its decode (about 2.4 MB of text) outlasts any pipe
 * buffer, so a reader that goes away makes the writer meet EPIPE.
 */
export function bigTrace(dir: string): string {
  const path = join(dir, 'big.bin');
  writeFileSync(path, synthTrace({ cores: 2, packetsPerCore: 1500, eventsPerPacket: 12 }));
  return path;
}

/** A small raw trace file (one screenful of records). */
export function smallTrace(dir: string): string {
  const path = join(dir, 'small.bin');
  writeFileSync(path, synthTrace({ cores: 1, packetsPerCore: 2, eventsPerPacket: 4 }));
  return path;
}

/** The non-empty lines of a text. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/** A stream that keeps what is written, or fails every write with the errno code `failWith`. */
export class Collect extends Writable {
  readonly parts: Buffer[] = [];
  constructor(private readonly failWith?: string) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error) => void): void {
    if (this.failWith) {
      cb(Object.assign(new Error(`${this.failWith}: failed on purpose, write`), { code: this.failWith }));
      return;
    }
    this.parts.push(chunk);
    cb();
  }
  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

/** `tracepipe <args>` in-process on injected streams: `stdin` as its input (given in `pieces` reads). */
export async function inProcess(args: string[], opts: { stdin?: Uint8Array; pieces?: Uint8Array[]; failStdout?: string } = {}) {
  const stdout = new Collect(opts.failStdout);
  const stderr = new Collect();
  const input = opts.pieces ?? [opts.stdin ?? new Uint8Array(0)];
  const code = await runCli(args, { stdin: Readable.from(input.map((p) => Buffer.from(p))), stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
