// The tracepipe executable: runs the program and is the only place that exits the process.
import { runCli } from './cli/program.js';
import { errorLine } from './cli/errors.js';

function flushAndExit(code: number): void {
  // Let buffered stdout/stderr reach a pipe before exiting.
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

// A reader that closed the pipe (`tracepipe decode x | head`) is not an error: stop at once.
// Any other failed write to stdout is, and runCli reports it (cli/output.ts CliIo).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

// Last resort for an error thrown outside a command's promise chain (an emitter without a
// listener): still one line, no stack.
process.on('uncaughtException', (err) => {
  process.stderr.write(`${errorLine(err)}\n`);
  process.exit(1);
});

runCli(process.argv.slice(2)).then(
  (code) => flushAndExit(code),
  (err: unknown) => {
    process.stderr.write(`${errorLine(err)}\n`);
    flushAndExit(1);
  },
);
