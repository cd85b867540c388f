// `top` and `run --tui`: a live capture with the terminal view in front of it. The capture runs
// exactly as without the view (same live decoder, same capture file); the view is fed by a
// TopModel on the decoder's record path and is loaded only here, lazily, so that no other
// command loads React and ink.
import type { MetadataApplier } from '../../core/metadata.js';
import { UsageError } from '../errors.js';
import { statusColor, type RecordWatcher } from '../live-decoder.js';
import { stopReason, type LiveSummary } from '../live-run.js';
import type { CliIo } from '../output.js';
import { TopModel } from './top-model.js';

/** The terminal the view needs, or the one-line usage error that says why there is none. */
export function viewTerminal(io: CliIo, what: string): { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream } {
  const term = io.terminal;
  if (!term) throw new UsageError(`${what} needs a terminal (stdin and stdout a TTY); without one use --follow, or the status line`);
  return term;
}

/**
 * Loads the view. ink (is-in-ci) and chalk read CI and CONTINUOUS_INTEGRATION once, when they
 * load, and then draw only the last frame, without colour: a view the user asked for on a
 * terminal is drawn whatever a CI variable says, so they do not see those while loading.
 */
async function loadView(): Promise<typeof import('./view.js')> {
  const saved = (['CI', 'CONTINUOUS_INTEGRATION'] as const).map((k) => [k, process.env[k]] as const);
  for (const [k] of saved) delete process.env[k];
  try {
    return await import('./view.js');
  } finally {
    for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
  }
}

/** Lines the view leaves for the event table on a terminal of `rows` rows. */
function eventRows(rows: number | undefined): number {
  return Math.max(3, Math.min(20, (rows ?? 40) - 22));
}

/**
 * Runs `capture` (given the view's record watcher and a stop signal) behind the live view. When
 * the capture ends by itself the view stays, saying why, until `q`; then the terminal is given
 * back and the summary is the caller's to print.
 */
export async function withLiveView(
  io: CliIo,
  o: { title: string; names?: MetadataApplier; what: string },
  capture: (watcher: RecordWatcher, stop: AbortSignal) => Promise<LiveSummary>,
): Promise<LiveSummary> {
  const terminal = viewTerminal(io, o.what);
  const { startView } = await loadView();
  const model = new TopModel({ names: o.names, topN: eventRows(terminal.stdout.rows) });
  const stop = new AbortController();
  let quit: () => void = () => undefined;
  const quitted = new Promise<void>((resolve) => {
    quit = resolve;
  });
  const view = startView({
    title: o.title,
    frame: (t) => model.frame(t),
    color: statusColor(),
    terminal,
    onQuit: () => {
      stop.abort();
      quit();
    },
  });
  // Ctrl-C from another terminal (kill -INT) once the capture has ended closes the view too.
  const onSignal = () => quit();
  try {
    const summary = await capture(model, stop.signal);
    view.ended(stopReason(summary));
    if (!stop.signal.aborted) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      await quitted;
    }
    return summary;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await view.close();
  }
}
