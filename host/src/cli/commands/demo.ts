// tracepipe demo: build the demo firmware, run it under QEMU for a few seconds, print what was
// captured. The capture goes to build/demo.tpt in the checkout unless -o says otherwise.
import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { defaultBoard, findRepoRoot } from '../../io/repo.js';
import { CliError } from '../errors.js';
import { CliIo } from '../output.js';
import { runUnderQemu } from '../live-run.js';
import { parseSeconds } from '../options.js';
import { reportLive } from './run.js';

function build(root: string, board: string, io: CliIo): Promise<void> {
  return new Promise((resolve, reject) => {
    io.status(`building the firmware: make BOARD=${board}`);
    const child = spawn('make', [`BOARD=${board}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(new CliError(err.code === 'ENOENT' ? 'make not found (install the Debian package make)' : err.message)),
    );
    child.on('close', (code) => {
      if (code === 0) {
        resolve();
        return;
      }
      // make's own error is the useful line (e.g. a wrong board name lists the valid ones)
      const lines = tail.split('\n').filter((l) => l.trim() !== '');
      const why = lines.find((l) => /\*\*\*|error/i.test(l)) ?? lines.pop() ?? '';
      reject(new CliError(`firmware build failed (make BOARD=${board}, status ${code})${why ? `: ${why.trim()}` : ''}`));
    });
  });
}

export function register(program: Command, io = new CliIo()): void {
  program
    .command('demo')
    .description('build the demo firmware, run it under QEMU for a few seconds, and print its stats')
    .option('--board <name>', "board to emulate (default: make's default board)")
    .option('--duration <seconds>', 'seconds of trace to capture (counted from the first byte, as for run)', parseSeconds, 3)
    .option('-o, --output <file>', 'capture file (default: build/demo.tpt in the checkout)')
    .option('--no-build', 'use the firmware already in build/<board>/demo.elf')
    .action(async (opts: { board?: string; duration: number; output?: string; build: boolean }) => {
      const root = findRepoRoot();
      const board = opts.board ?? defaultBoard(root);
      if (opts.build) await build(root, board, io);
      const output = opts.output ?? join(root, 'build', 'demo.tpt');
      const summary = await runUnderQemu({
        board,
        elf: join(root, 'build', board, 'demo.elf'),
        output,
        durationS: opts.duration,
        // the default build/demo.tpt is demo's own scratch file; a named -o is the user's
        overwrite: opts.output === undefined,
      });
      reportLive(summary, io);
      const shown = relative(process.cwd(), output) || output;
      io.stdout.write(`next: npx tracepipe decode ${shown} | head    npx tracepipe stats ${shown}\n`);
    });
}
