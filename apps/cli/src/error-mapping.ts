import { AuthError } from '@m2m/auth/errors'
import { CliError, ExitCode } from './errors.js'

// The token-side codes of @m2m/auth: getting a token failed.
const TOKEN_ACQUISITION = new Set([
  'AUTH_ERR_TOKEN_ENDPOINT',
  'AUTH_ERR_TOKEN_RESPONSE',
  'AUTH_ERR_TOKEN_NETWORK',
  'AUTH_ERR_DISCOVERY',
  'AUTH_ERR_UNUSABLE_ACCESS_TOKEN',
])

/** Any thrown value as a `CliError`: a message for one line, and an exit code. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error
  if (error instanceof AuthError) {
    if (error.code === 'AUTH_ERR_INVALID_OPTION') {
      return new CliError(error.message, ExitCode.USAGE, { cause: error })
    }
    if (TOKEN_ACQUISITION.has(error.code)) {
      return new CliError(`could not get a token: ${error.message}`, ExitCode.AUTH, {
        cause: error,
      })
    }
    return new CliError(error.message, ExitCode.AUTH, { cause: error })
  }
  const message = error instanceof Error ? error.message : String(error)
  return new CliError(`unexpected error: ${message || 'unknown'}`, ExitCode.REMOTE, {
    cause: error,
  })
}

/**
 * The message on one line: control characters become spaces, every known
 * secret or token is replaced, and it is capped so a huge server answer
 * cannot flood the terminal.
 */
export function oneLine(message: string, sensitive: Iterable<string>): string {
  let text = message
  for (const value of sensitive) {
    if (value.length >= 4) text = text.split(value).join('[redacted]')
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  text = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
  return text.length > 500 ? `${text.slice(0, 497)}...` : text
}
