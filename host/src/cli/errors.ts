// Errors the CLI reports as one line, `tracepipe: <message>`, with their exit status.
// Anything else that escapes a command is reported the same way (message only, no stack).

import { escapeText } from '../core/text.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong arguments or options: exit status 2, like commander's own usage errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The one line printed for an error that escaped a command (escaped: it may quote a file or the device). */
export function errorLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return `tracepipe: ${escapeText(text.replace(/\s*\n\s*/g, ' ').trim())}`;
}
