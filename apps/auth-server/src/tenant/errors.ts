/**
 * Coded errors of the tenant file loader. Each code is stable and never reused
 * for another meaning; `statusCode` is what a server answers if one of these
 * ever reaches a request (they are start-up errors, hence 500).
 *
 * Written without `@fastify/error` so the loader has no HTTP dependency; the
 * shape (`code`, `statusCode`, `cause`) is the same.
 */
export class TenantError extends Error {
  readonly code: string
  readonly statusCode: number

  constructor(code: string, message: string, statusCode = 500, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.statusCode = statusCode
  }
}

/** Problems listed one per line under a heading. */
function listProblems(heading: string, problems: readonly string[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
  return `${heading} (${count}):\n${problems.map((p) => `  - ${p}`).join('\n')}`
}

/** An option given to the loader is unusable (e.g. an issuer that is not a URL). */
export class TenantOptionError extends TenantError {
  constructor(message: string) {
    super('TENANT_ERR_OPTION', `Invalid tenant loader option: ${message}`)
  }
}

/** The tenant file (or its keywords.json) cannot be read. */
export class TenantReadError extends TenantError {
  constructor(path: string, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause)
    super('TENANT_ERR_READ', `Cannot read ${path}: ${reason}`, 500, options)
  }
}

/** The tenant file name ends with neither .yaml, .yml nor .json. */
export class TenantFormatError extends TenantError {
  constructor(path: string) {
    super(
      'TENANT_ERR_FORMAT',
      `Cannot tell the format of ${path}: the tenant file must end with .yaml, .yml or .json`,
    )
  }
}

/** The text is not valid YAML / JSON. `line` and `column` are 1-based when known. */
export class TenantSyntaxError extends TenantError {
  readonly line: number | undefined
  readonly column: number | undefined

  constructor(
    message: string,
    position: { line?: number | undefined; column?: number | undefined },
    options?: { cause?: unknown },
  ) {
    super('TENANT_ERR_SYNTAX', message, 500, options)
    this.line = position.line
    this.column = position.column
  }
}

/** The keyword mappings (option or keywords.json) are not a JSON object. */
export class KeywordMappingsError extends TenantError {
  constructor(source: string, reason: string, options?: { cause?: unknown }) {
    super(
      'TENANT_ERR_KEYWORD_MAPPINGS',
      `Invalid keyword mappings (${source}): ${reason}`,
      500,
      options,
    )
  }
}

/** `##KEYWORD##` / `@@KEYWORD@@` placeholders with no mapping, or used where their value cannot go. */
export class TenantKeywordError extends TenantError {
  readonly problems: readonly string[]

  constructor(source: string, problems: readonly string[]) {
    super('TENANT_ERR_KEYWORD', listProblems(`Keyword replacement failed in ${source}`, problems))
    this.problems = problems
  }
}

/** The document breaks the schema or refers to things that do not exist: every problem is listed. */
export class TenantInvalidError extends TenantError {
  readonly problems: readonly string[]

  constructor(source: string, problems: readonly string[]) {
    super('TENANT_ERR_INVALID', listProblems(`Invalid tenant file ${source}`, problems))
    this.problems = problems
  }
}
