// Errors that carry their exit status. They live outside cli/ so that io/ (and anything else
// below the CLI) can throw them: an unknown board found while loading board.json is a usage
// error (exit 2) wherever it is found, and the CLI then prints it as one line.

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
