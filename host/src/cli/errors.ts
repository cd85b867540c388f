// Errors the CLI reports as one line, `tracepipe: <message>`, with their exit status.
// Anything else that escapes a command is reported the same way (message only, no stack).

import { escapeText } from '../core/text.js';

// The error classes are in ../errors.ts, shared with io/.
export { CliError, UsageError } from '../errors.js';

/** The one line printed for an error that escaped a command (escaped: it may quote a file or the device). */
export function errorLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return `tracepipe: ${escapeText(text.replace(/\s*\n\s*/g, ' ').trim())}`;
}
