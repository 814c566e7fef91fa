/**
 * Exit codes scripts can rely on. Documented in the README and `m2m --help`;
 * a test keeps each one honest.
 */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** The API answered an HTTP error (>= 400), or an answer that could not be used. */
  REMOTE: 1,
  /** Wrong usage: an unknown or missing flag or argument, a bad value, missing configuration. */
  USAGE: 2,
  /** No token: the token endpoint refused or could not be reached; `decode --verify` failed. */
  AUTH: 3,
  /** The API (not the token endpoint) could not be reached, or timed out. */
  NETWORK: 4,
  /** `tenant check`: the local tenant would refuse the tenant file (syntax, keyword, schema or reference). */
  REFUSED: 5,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM (`logs --follow`). */
  INTERRUPTED: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** An error the CLI reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'CliError'
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.USAGE)
