import { readFile } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { TenantFormatError, TenantReadError, TenantSyntaxError } from '../errors.js'
import { type KeywordMappings, parseKeywordMappings, unmarkKeywords } from './keyword-replace.js'

// Reading a tenant file and its keywords file, and parsing YAML or JSON with
// errors that say where.

export type TenantFileFormat = 'yaml' | 'json'

/** `.yaml`/`.yml` → yaml, `.json` → json; anything else throws `TENANT_ERR_FORMAT`. */
export function tenantFileFormat(path: string): TenantFileFormat {
  const ext = extname(path).toLowerCase()
  if (ext === '.yaml' || ext === '.yml') return 'yaml'
  if (ext === '.json') return 'json'
  throw new TenantFormatError(path)
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new TenantReadError(path, { cause: error })
  }
}

/** A missing default keywords.json is fine; a missing one that was asked for is not. */
export async function readKeywordsFile(path: string, required: boolean): Promise<KeywordMappings> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new TenantReadError(path, { cause: error })
  }
  return parseKeywordMappings(text, path)
}

/**
 * Keyword mappings given on a command line (`--keyword-mappings`): JSON text
 * when it starts with `{`, else the path of a JSON file (relative to `cwd`),
 * such as a Deploy CLI config's `AUTH0_KEYWORD_REPLACE_MAPPINGS` kept apart.
 */
export async function readKeywordMappingsArgument(
  value: string,
  cwd: string,
  name = '--keyword-mappings',
): Promise<KeywordMappings> {
  if (value.trimStart().startsWith('{')) return parseKeywordMappings(value, name)
  const path = resolve(cwd, value)
  return parseKeywordMappings(await readText(path), `${name} ${path}`)
}

export function parse(text: string, format: TenantFileFormat, source: string): unknown {
  return format === 'json' ? parseJson(text, source) : parseYaml(text, source)
}

function parseYaml(text: string, source: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  const [error] = document.errors
  if (error) {
    const line = error.linePos?.[0].line
    const column = error.linePos?.[0].col
    // The pretty message is "<reason> at line L, column C:\n\n<excerpt>".
    const [head = error.message, excerpt] = unmarkKeywords(error.message).split(/:\n\n/, 2)
    const reason = head.replace(/ at line \d+, column \d+$/, '')
    const where = line === undefined ? '' : ` at line ${line}, column ${column}`
    throw new TenantSyntaxError(
      `${source}: YAML syntax error${where}: ${reason}${excerpt ? `\n\n${excerpt.trimEnd()}` : ''}`,
      { line, column },
      { cause: error },
    )
  }
  try {
    return document.toJS({ maxAliasCount: 100 })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new TenantSyntaxError(`${source}: YAML error: ${reason}`, {}, { cause: error })
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const offset = /at position (\d+)/.exec(reason)?.[1]
    let line: number | undefined
    let column: number | undefined
    if (offset !== undefined) {
      const before = text.slice(0, Number(offset)).split('\n')
      line = before.length
      column = (before.at(-1)?.length ?? 0) + 1
    }
    const where = line === undefined ? '' : ` at line ${line}, column ${column}`
    throw new TenantSyntaxError(
      `${source}: JSON syntax error${where}: ${unmarkKeywords(reason)}`,
      { line, column },
      { cause: error },
    )
  }
}
