// The tracepipe executable: runs the program and is the only place that exits the process.
import { runCli } from './cli/program.js';
import { errorLine } from './cli/errors.js';
import { OutputWriteError } from './export/sinks.js';

let stdoutFailure: NodeJS.ErrnoException | undefined;

function flushAndExit(code: number): void {
  // Let buffered stdout/stderr reach a pipe before exiting; a write to stdout that failed on
  // the way turns a success into an error.
  let pending = 2;
  const done = () => {
    if (--pending > 0) return;
    if (code === 0 && stdoutFailure) {
      process.stderr.write(`${errorLine(new OutputWriteError('stdout', stdoutFailure))}\n`, () => process.exit(1));
      return;
    }
    process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

// A reader that closed the pipe (`tracepipe decode x | head`) is not an error. Any other
// failed write to stdout is (issue 10 §2): commands that write through a StreamSink throw it
// themselves; for the rest it turns a success into one line and exit 1 at the end.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  stdoutFailure ??= err;
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
