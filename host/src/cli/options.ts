// Option value parsers shared by the commands; commander reports their errors as usage errors.
import { InvalidArgumentError } from 'commander';

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds.');
  return n;
}

export function parseBaud(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 100_000_000) throw new InvalidArgumentError('expected a baud rate such as 115200.');
  return n;
}
