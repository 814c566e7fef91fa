/** A coded error as the services define them. */
export interface CodedErrorLike extends Error {
  code: string
  statusCode: number
}

export interface ErrorTableOptions {
  /** Constructor arguments for classes that need other than `('x', 'y')`. */
  args?: Record<string, unknown[]>
  /** Codes the table may list that no class defines (e.g. the error handler's `internal_error`). */
  otherCodes?: readonly string[]
  /** Classes whose code is whatever wire error they carry (Auth0's formats): not in the table. */
  formats?: readonly string[]
  /** The base class every error must extend (e.g. `CodedError`). */
  base?: abstract new (
    ...args: never[]
  ) => Error
}

/**
 * The rows of a Markdown error table whose first two cells are a code in
 * backticks and an HTTP status (`| \`GEO_ERR_NO_MATCH\` | 404 | … |`), by code.
 */
export function readErrorTable(markdown: string): Map<string, number> {
  const rows = new Map<string, number>()
  for (const match of markdown.matchAll(/^\|\s*`([A-Za-z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    rows.set(match[1] as string, Number(match[2]))
  }
  return rows
}

/**
 * Checks an errors module against a README error table and says what is
 * wrong, one line per problem (none: they agree). Every exported `…Error`
 * class that has a code (family bases have none) must extend `base`, have a
 * code no other class has, and a row with its status; every row must name a
 * defined code or one of `otherCodes`.
 */
export function errorTableProblems(
  module: Record<string, unknown>,
  markdown: string,
  options: ErrorTableOptions = {},
): string[] {
  const table = readErrorTable(markdown)
  const problems: string[] = []
  const owners = new Map<string, string>()
  for (const [name, value] of Object.entries(module)) {
    if (typeof value !== 'function' || !/^[A-Z]\w*Error$/.test(name)) continue
    if (options.formats?.includes(name)) continue
    const ErrorClass = value as new (...params: unknown[]) => CodedErrorLike
    const error = new ErrorClass(...(options.args?.[name] ?? ['x', 'y']))
    if (error.code === undefined) continue
    if (options.base && !(error instanceof options.base)) problems.push(`${name} is not coded`)
    const owner = owners.get(error.code)
    if (owner) problems.push(`${name} and ${owner} share the code ${error.code}`)
    owners.set(error.code, name)
    const status = table.get(error.code)
    if (status === undefined) problems.push(`${error.code} (${name}) has no row in the table`)
    else if (status !== error.statusCode)
      problems.push(`${error.code} is ${error.statusCode}, the table says ${status}`)
  }
  if (owners.size === 0) problems.push('the module defines no coded error')
  const known = new Set([...owners.keys(), ...(options.otherCodes ?? [])])
  for (const code of table.keys()) {
    if (!known.has(code)) problems.push(`the table lists ${code}, which nothing defines`)
  }
  return problems
}
