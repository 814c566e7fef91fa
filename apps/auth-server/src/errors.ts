import { CodedError, defineError } from '@m2m/service-kit'

/**
 * Every error of the local tenant, each with a stable code and its HTTP
 * status. The README's error table lists the tenant file's and the key ring's
 * codes; a test keeps the two in step. The token endpoint and the Management
 * API answer in Auth0's own formats (`OAuthError`, `ManagementError`), whose
 * codes are Auth0's and are documented with those endpoints.
 */

// Start-up: the tenant file ---------------------------------------------------

/** Any error of loading a tenant file: the tenant does not start. */
export class TenantError extends CodedError {}

/** Problems listed one per line under a heading. */
function listProblems(heading: string, problems: readonly string[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
  return `${heading} (${count}):\n${problems.map((p) => `  - ${p}`).join('\n')}`
}

/** An option given to the loader is unusable (e.g. an issuer that is not a URL). */
export const TenantOptionError = defineError<[message: string], TenantError>(
  'TENANT_ERR_OPTION',
  'Invalid tenant loader option: %s',
  500,
  TenantError,
)

/** The tenant file (or its keywords.json) cannot be read. */
export class TenantReadError extends defineError<[path: string, reason: string], TenantError>(
  'TENANT_ERR_READ',
  'Cannot read %s: %s',
  500,
  TenantError,
) {
  constructor(path: string, options: { cause: unknown }) {
    const { cause } = options
    super(path, cause instanceof Error ? cause.message : String(cause), { cause })
  }
}

/** The tenant file name ends with neither .yaml, .yml nor .json. */
export const TenantFormatError = defineError<[path: string], TenantError>(
  'TENANT_ERR_FORMAT',
  'Cannot tell the format of %s: the tenant file must end with .yaml, .yml or .json',
  500,
  TenantError,
)

/** The text is not valid YAML / JSON. `line` and `column` are 1-based when known. */
export class TenantSyntaxError extends defineError<[message: string], TenantError>(
  'TENANT_ERR_SYNTAX',
  '%s',
  500,
  TenantError,
) {
  readonly line: number | undefined
  readonly column: number | undefined

  constructor(
    message: string,
    position: { line?: number | undefined; column?: number | undefined },
    options?: { cause?: unknown },
  ) {
    super(message, { cause: options?.cause })
    this.line = position.line
    this.column = position.column
  }
}

/** The keyword mappings (option or keywords.json) are not a JSON object. */
export const KeywordMappingsError = defineError<[source: string, reason: string], TenantError>(
  'TENANT_ERR_KEYWORD_MAPPINGS',
  'Invalid keyword mappings (%s): %s',
  500,
  TenantError,
)

/** `##KEYWORD##` / `@@KEYWORD@@` placeholders with no mapping, or used where their value cannot go. */
export class TenantKeywordError extends defineError<[message: string], TenantError>(
  'TENANT_ERR_KEYWORD',
  '%s',
  500,
  TenantError,
) {
  readonly problems: readonly string[]

  constructor(source: string, problems: readonly string[]) {
    super(listProblems(`Keyword replacement failed in ${source}`, problems))
    this.problems = problems
  }
}

/** The document breaks the schema or refers to things that do not exist: every problem is listed. */
export class TenantInvalidError extends defineError<[message: string], TenantError>(
  'TENANT_ERR_INVALID',
  '%s',
  500,
  TenantError,
) {
  readonly problems: readonly string[]

  constructor(source: string, problems: readonly string[]) {
    super(listProblems(`Invalid tenant file ${source}`, problems))
    this.problems = problems
  }
}

// Signing keys ------------------------------------------------------------------

/** No signing key has this kid. */
export const SigningKeyNotFoundError = defineError<[]>(
  'KEYS_ERR_NOT_FOUND',
  'The key does not exist.',
  404,
)

/** The current and next keys sign and are about to sign: they cannot be revoked. */
export const SigningKeyInUseError = defineError<[]>(
  'KEYS_ERR_IN_USE',
  'The current and next keys cannot be revoked.',
  400,
)

// The testing helper (`@m2m/auth-server/testing`) ---------------------------------

/** `clientSecret()` / `tokenFor()` named no client of the tenant, or one whose secret it does not hold. */
export const LocalTenantClientError = defineError<[message: string]>(
  'TESTING_ERR_CLIENT',
  '%s',
  500,
)

/** `tokenFor()` was refused: the tenant's answer is on the error (`status`, `body`). */
export class LocalTenantTokenError extends defineError<[message: string]>(
  'TESTING_ERR_TOKEN',
  '%s',
  500,
) {
  /** The HTTP status the token endpoint answered. */
  readonly status: number
  /** Its body, in Auth0's format: `{ error, error_description }`. */
  readonly body: unknown

  constructor(message: string, answer?: { status: number; body: unknown }) {
    super(message)
    this.status = answer?.status ?? 0
    this.body = answer?.body
  }
}

// Answers in Auth0's formats -------------------------------------------------------

/**
 * An error answer of the token endpoint, shaped as Auth0's:
 * `{ error, error_description [, error_uri] }` with its HTTP status. Its code
 * is the OAuth 2.0 `error` (`access_denied`, `invalid_request`, …).
 */
export class OAuthError extends CodedError {
  constructor(
    statusCode: number,
    readonly error: string,
    readonly description: string,
    readonly extra: { error_uri?: string; headers?: Record<string, string> } = {},
  ) {
    super(description)
    this.code = error
    this.statusCode = statusCode
  }

  toBody(): Record<string, string> {
    return {
      error: this.error,
      error_description: this.description,
      ...(this.extra.error_uri ? { error_uri: this.extra.error_uri } : {}),
    }
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/**
 * A Management API v2 error, in Auth0's shape:
 * `{ statusCode, error, message, errorCode }`. Its code is Auth0's `errorCode`.
 */
export class ManagementError extends CodedError {
  constructor(statusCode: number, errorCode: string, message: string) {
    super(message)
    this.code = errorCode
    this.statusCode = statusCode
  }

  toBody() {
    return {
      statusCode: this.statusCode,
      error: STATUS_TEXT[this.statusCode] ?? 'Error',
      message: this.message,
      errorCode: this.code,
    }
  }
}
