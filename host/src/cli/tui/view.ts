// The live terminal view drawn with ink (React for the terminal). Loaded only by `top` and
// `run --tui` (live-view.ts imports it lazily; the build makes it its own ESM file, dist/tui.mjs),
// so no other command loads React. It draws what TopModel computes, and owns the keys: `q` or
// Ctrl-C ask the capture to stop.
import React from 'react';
import { Box, render, Text, useInput } from 'ink';
import type { CoreRow, TopFrame } from './top-model.js';
import { LOSS_CAUSES } from '../../core/types.js';

const h = React.createElement;

export interface ViewOptions {
  /** the first line: what is captured, and where to */
  title: string;
  /** the frame at `elapsedS` seconds since the view opened */
  frame(elapsedS: number): TopFrame;
  /** draw losses red (a terminal without NO_COLOR) */
  color: boolean;
  terminal: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream };
  /** `q` or Ctrl-C */
  onQuit(): void;
  /** ms between frames (default 500) */
  periodMs?: number;
}

export interface ViewHandle {
  /** says why the capture ended; the view stays until `q` */
  ended(reason: string): void;
  /** draws the last frame and gives the terminal back */
  close(): Promise<void>;
}

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n > 0 && n < 10 ? 1 : 0);
}

const col = (s: string | number, w: number) => String(s).padEnd(w);
const num = (s: string | number, w: number) => String(s).padStart(w);

/** Longest name shown whole (a log's name is its format string). */
const NAME_MAX = 36;
const clip = (s: string) => (s.length > NAME_MAX ? `${s.slice(0, NAME_MAX - 3)}...` : s);


function coreLine(c: CoreRow, color: boolean): React.ReactElement {
  const cells = LOSS_CAUSES.map((cause) =>
    h(Text, { key: cause, color: color && c[cause] > 0 ? 'red' : undefined, bold: c[cause] > 0 }, num(c[cause], 12)),
  );
  return h(Text, { key: `core${c.core}` }, `${col(`core${c.core}`, 8)}${num(rate(c.perS), 9)}${num(c.events, 12)}`, ...cells);
}

interface ViewState {
  ended?: string;
  /** ms since the view opened when the capture ended: the clock stops there */
  endedAtMs?: number;
  quitting: boolean;
}

function Top(props: { o: ViewOptions; started: number; state: ViewState }): React.ReactElement {
  const { o, started, state } = props;
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), o.periodMs ?? 500);
    return () => clearInterval(t);
  }, [o]);
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) o.onQuit();
  });
  const f = o.frame((state.endedAtMs ?? Date.now() - started) / 1000);
  const anyLoss = f.cores.some((c) => LOSS_CAUSES.some((cause) => c[cause] > 0));
  const nameW = Math.min(NAME_MAX + 2, Math.max(12, ...f.events.map((e) => e.name.length + 2)));
  const footer = state.ended
    ? `capture ended: ${state.ended}${state.quitting ? '' : '; q closes the view'}`
    : state.quitting
      ? 'stopping: flushing the target...'
      : 'q or Ctrl-C stops the capture';
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true }, o.title),
    h(Text, null, `elapsed ${f.elapsedS.toFixed(1)} s   ${rate(f.bytesPerS)}B/s   ${f.bytes} bytes received`),
    h(Text, null, ' '),
    h(Text, { bold: true }, `${col('CORE', 8)}${num('EV/S', 9)}${num('EVENTS', 12)}${LOSS_CAUSES.map((c) => num(c.toUpperCase(), 12)).join('')}`),
    ...(f.cores.length > 0 ? f.cores.map((c) => coreLine(c, o.color)) : [h(Text, { key: 'none' }, 'waiting for data')]),
    h(Text, { color: o.color && anyLoss ? 'red' : undefined }, anyLoss ? 'LOSSES: see the red counts above' : 'no losses'),
    h(Text, null, ' '),
    h(Text, { bold: true }, `${col('KIND', 11)}${col('NAME', nameW)}${num('EV/S', 9)}${num('EVENTS', 12)}  CORES`),
    ...f.events.map((e) =>
      h(Text, { key: `${e.kind} ${e.name}` }, `${col(e.kind, 11)}${col(clip(e.name), nameW)}${num(rate(e.perS), 9)}${num(e.events, 12)}  ${e.cores.join(',')}`),
    ),
    ...(f.rest.names > 0 ? [h(Text, { key: 'rest', dimColor: true }, `${col('', 11)}${col(`(${f.rest.names} more)`, nameW)}${num(rate(f.rest.perS), 9)}${num(f.rest.events, 12)}`)] : []),
    h(Text, null, ' '),
    h(Text, { bold: true }, 'LATEST LOGS'),
    ...(f.logs.length > 0 ? f.logs.map((l, i) => h(Text, { key: `log${i}`, wrap: 'truncate-end' }, l)) : [h(Text, { key: 'nolog', dimColor: true }, '(none yet)')]),
    ...(f.warning ? [h(Text, { color: o.color ? 'yellow' : undefined }, f.warning)] : []),
    h(Text, null, ' '),
    h(Text, { inverse: true }, footer),
  );
}

export function startView(o: ViewOptions): ViewHandle {
  const started = Date.now();
  const state: ViewState = { quitting: false };
  const onQuit = () => {
    state.quitting = true;
    o.onQuit();
  };
  const opts = { ...o, onQuit };
  const element = () => h(Top, { o: opts, started, state });
  const ink = render(element(), { stdout: o.terminal.stdout, stdin: o.terminal.stdin, exitOnCtrlC: false, patchConsole: false });
  return {
    ended(reason) {
      state.ended = reason;
      state.endedAtMs = Date.now() - started;
      ink.rerender(element());
    },
    async close() {
      ink.rerender(element());
      ink.unmount();
      await ink.waitUntilExit();
    },
  };
}
