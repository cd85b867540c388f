// The tracepipe executable: runs the program and is the only place that exits the process.
import { CommanderError } from 'commander';
import { createProgram } from './cli/program.js';
import { CliError, errorLine } from './cli/errors.js';

function flushAndExit(code: number): void {
  // Let buffered stdout/stderr reach a pipe before exiting.
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

// A reader that closed the pipe (`tracepipe decode x | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

// Last resort for an error thrown outside a command's promise chain (an emitter without a
// listener): still one line, no stack.
process.on('uncaughtException', (err) => {
  process.stderr.write(`${errorLine(err)}\n`);
  process.exit(1);
});

async function main(): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its one line (or the help); usage errors exit 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`${errorLine(err)}\n`);
    if (process.env.TRACEPIPE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

main().then(flushAndExit, (err: unknown) => {
  process.stderr.write(`${errorLine(err)}\n`);
  flushAndExit(1);
});
