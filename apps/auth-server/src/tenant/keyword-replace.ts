/**
 * `##KEYWORD##` and `@@KEYWORD@@` placeholders, as the Auth0 Deploy CLI reads
 * them from `AUTH0_KEYWORD_REPLACE_MAPPINGS`.
 *
 * The Deploy CLI replaces placeholders in the raw text before parsing. That
 * lets a mapped value break the YAML (a secret holding `'` or `: `), and a
 * problem can then only be reported by line. Here replacement is done in two
 * steps instead:
 *
 * 1. `markKeywords` swaps each placeholder in the raw text for a sentinel of
 *    the same length made of private-use characters. YAML reads a sentinel as
 *    ordinary text wherever a placeholder can stand in a Deploy CLI file: bare
 *    (`client_id: ##ID##`, which YAML would otherwise read as a comment, or
 *    `origins: @@LIST@@`, which YAML rejects), quoted, or inside a longer
 *    string. Line and column numbers of syntax errors are unchanged.
 * 2. `replaceKeywords` walks the parsed tree and substitutes the values, so a
 *    value never passes through the parser and every problem is reported with
 *    its path (`clients[1] ("Storefront").client_secret`).
 *
 * Semantics: a string that is exactly one placeholder becomes the mapped value
 * itself, whatever its type (string, number, boolean, array, object): that is
 * what `@@LIST@@` gives in the Deploy CLI, extended to `##LIST##`. Inside a
 * longer string, `##KEY##` is replaced by the value as text (strings, numbers,
 * booleans; an array or object there is an error) and `@@KEY@@` by its
 * `JSON.stringify`, as the Deploy CLI does. A placeholder with no mapping is an
 * error (the Deploy CLI leaves it in place).
 */
import { KeywordMappingsError, TenantSyntaxError } from '../errors.js'

/** Keyword name to value, e.g. `{ "STOREFRONT_CLIENT_ID": "storefront-dev", "ORIGINS": ["a", "b"] }`. */
export type KeywordMappings = Readonly<Record<string, unknown>>

/** Where a value sits in the document: keys and array indexes from the root. */
export type DocumentPath = ReadonlyArray<string | number>

export interface KeywordProblem {
  path: DocumentPath
  message: string
}

const OPEN = '\uE000'
const CLOSE = '\uE001'
/** A placeholder in the raw text. Keyword names: letters, digits, `_`, `.`, `-`. */
const PLACEHOLDER = /(##|@@)([A-Za-z0-9_][A-Za-z0-9_.-]*)\1/g
/** A sentinel: OPEN, `#` or `@`, the name, the same sign again, CLOSE (as long as the placeholder). */
const SENTINEL = /\uE000([#@])([A-Za-z0-9_.-]+)\1\uE001/g
const WHOLE_SENTINEL = /^\uE000([#@])([A-Za-z0-9_.-]+)\1\uE001$/

/**
 * Replaces every placeholder of `text` by a same-length sentinel (step 1).
 * Throws `TENANT_ERR_SYNTAX` if the text already holds the sentinel characters.
 */
export function markKeywords(text: string, source: string): string {
  const at = text.search(/[\uE000\uE001]/)
  if (at !== -1) {
    const line = text.slice(0, at).split('\n').length
    throw new TenantSyntaxError(
      `${source}: line ${line} holds the character U+${text.codePointAt(at)?.toString(16).toUpperCase()}, which the loader reserves for keyword replacement`,
      { line },
    )
  }
  return text.replace(PLACEHOLDER, (_match, fence: string, name: string) => {
    const sign = fence[0]
    return `${OPEN}${sign}${name}${sign}${CLOSE}`
  })
}

/** Turns sentinels back into the placeholders they stand for (for messages). */
export function unmarkKeywords(text: string): string {
  return text.replace(SENTINEL, (_match, sign: string, name: string) => {
    const fence = sign + sign
    return `${fence}${name}${fence}`
  })
}

/** True when a marked string still holds a placeholder. */
export function hasKeyword(text: string): boolean {
  return text.includes(OPEN)
}

/**
 * Substitutes the placeholders of a parsed, marked tree (step 2). Returns a new
 * tree; the input is not changed. Problems are collected, not thrown: the
 * caller reports them all at once.
 */
export function replaceKeywords(
  tree: unknown,
  mappings: KeywordMappings,
): { value: unknown; problems: KeywordProblem[] } {
  const problems: KeywordProblem[] = []
  const value = walk(tree, [], mappings, problems)
  return { value, problems }
}

function walk(
  node: unknown,
  path: DocumentPath,
  mappings: KeywordMappings,
  problems: KeywordProblem[],
): unknown {
  if (typeof node === 'string') return substitute(node, path, mappings, problems)
  if (Array.isArray(node))
    return node.map((item, i) => walk(item, [...path, i], mappings, problems))
  if (node !== null && typeof node === 'object') {
    const entries = Object.entries(node).map(([key, item]): [string, unknown] => {
      const newKey = hasKeyword(key) ? substituteInKey(key, path, mappings, problems) : key
      return [newKey, walk(item, [...path, newKey], mappings, problems)]
    })
    return Object.fromEntries(entries)
  }
  return node
}

function substitute(
  text: string,
  path: DocumentPath,
  mappings: KeywordMappings,
  problems: KeywordProblem[],
): unknown {
  if (!hasKeyword(text)) return text

  const whole = WHOLE_SENTINEL.exec(text)
  if (whole) {
    const [, sign = '#', name = ''] = whole
    if (!Object.hasOwn(mappings, name)) {
      problems.push({ path, message: `unknown keyword ${sign}${sign}${name}${sign}${sign}` })
      return unmarkKeywords(text)
    }
    // A copy, so that two places using one keyword never share an array or object.
    return structuredClone(mappings[name])
  }
  return embed(text, path, mappings, problems)
}

/** Object keys can only take text. */
function substituteInKey(
  key: string,
  path: DocumentPath,
  mappings: KeywordMappings,
  problems: KeywordProblem[],
): string {
  return embed(key, [...path, unmarkKeywords(key)], mappings, problems)
}

function embed(
  text: string,
  path: DocumentPath,
  mappings: KeywordMappings,
  problems: KeywordProblem[],
): string {
  return text.replace(SENTINEL, (_match, sign: string, name: string) => {
    const placeholder = `${sign}${sign}${name}${sign}${sign}`
    if (!Object.hasOwn(mappings, name)) {
      problems.push({ path, message: `unknown keyword ${placeholder}` })
      return placeholder
    }
    const value = mappings[name]
    if (sign === '@') return JSON.stringify(value) ?? 'undefined'
    if (typeof value === 'string') return value
    if (value === null || typeof value === 'number' || typeof value === 'boolean') {
      return String(value)
    }
    const kind = Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`
    problems.push({
      path,
      message: `keyword ${placeholder} holds ${kind}, which cannot be part of a longer string (make "${placeholder}" the whole value, or use @@${name}@@ for its JSON text)`,
    })
    return placeholder
  })
}

/**
 * Checks mappings given as an object (e.g. already parsed by the config module).
 * Throws `TENANT_ERR_KEYWORD_MAPPINGS` unless it is a plain JSON object.
 */
export function assertKeywordMappings(value: unknown, source: string): KeywordMappings {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
    throw new KeywordMappingsError(source, `must be a JSON object of keyword to value (got ${got})`)
  }
  return value as KeywordMappings
}

/**
 * Parses mappings written as JSON text: the value of
 * `AUTH0_KEYWORD_REPLACE_MAPPINGS` or a `keywords.json` file.
 */
export function parseKeywordMappings(text: string, source: string): KeywordMappings {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new KeywordMappingsError(source, `not valid JSON: ${reason}`, { cause: error })
  }
  return assertKeywordMappings(value, source)
}
