import { createRequire } from 'node:module'
import type { LogEvent } from './log-store.js'

/**
 * The `q` of `GET /api/v2/logs`: the Lucene subset of Auth0's log search
 * ("Log Search Query Syntax" in Auth0's docs), parsed by the `lucene` package
 * and compiled to a predicate. Terms `field:value` and `field:"quoted value"`
 * (a trailing `*` matches a prefix), groups `type:(seccft OR feccft)`,
 * `AND`, `OR`, `NOT` (`AND NOT`, `OR NOT`) and parentheses, and ranges
 * `date:[2026-12-01 TO 2026-12-05]` (`{}` exclusive, `*` open; a day alone
 * covers the whole day). Juxtaposed terms are ORed, as in Lucene. Fields are
 * those of a log event.
 */

// The lucene package ships no types: typed here by what this file uses.
const lucene = createRequire(import.meta.url)('lucene') as { parse(query: string): unknown }

/** Thrown for a query outside the subset: its message names what. */
export class LogSearchError extends Error {}

type Predicate = (event: LogEvent) => boolean

const FIELDS = new Set([
  'log_id',
  'date',
  'type',
  'description',
  'client_id',
  'client_name',
  'audience',
  'scope',
  'ip',
  'user_agent',
  'hostname',
])

interface TermNode {
  field: string
  term: string
  quoted?: boolean
  regex?: boolean
  prefix?: string | null
  similarity?: number | null
  proximity?: number | null
}

interface RangeNode {
  field: string
  term_min: string
  term_max: string
  inclusive: 'both' | 'left' | 'right' | 'none'
}

interface Node {
  left?: Node | TermNode | RangeNode
  operator?: string
  right?: Node | TermNode | RangeNode
  field?: string
  parenthesized?: boolean
  start?: string
}

/** Compiles `q`; throws `LogSearchError` for a query it cannot run. */
export function compileLogSearch(q: string): Predicate {
  let ast: Node
  try {
    ast = lucene.parse(q) as Node
  } catch (error) {
    throw new LogSearchError(`q is not a valid query: ${(error as Error).message}`)
  }
  return compile(ast, undefined)
}

function compile(node: Node | TermNode | RangeNode, groupField: string | undefined): Predicate {
  if ('term_min' in node) return rangeOf(node, fieldOf(node.field, groupField))
  if ('term' in node) {
    const predicate = termOf(node, fieldOf(node.field, groupField))
    return node.prefix === '-' || node.prefix === '!' ? (e) => !predicate(e) : predicate
  }
  // A group `field:(a OR b)` gives its field to the terms inside.
  const field = node.field !== undefined && node.field !== '<implicit>' ? node.field : groupField
  if (node.left === undefined) throw new LogSearchError('q is empty')
  const left = compile(node.left, field)
  const negated = node.start === 'NOT' ? (e: LogEvent) => !left(e) : left
  if (node.right === undefined) return negated
  const right = compile(node.right, field)
  switch (node.operator) {
    case 'AND':
    case '&&':
      return (e) => negated(e) && right(e)
    case 'OR':
    case '||':
    case '<implicit>':
      return (e) => negated(e) || right(e)
    case 'AND NOT':
      return (e) => negated(e) && !right(e)
    case 'OR NOT':
      return (e) => negated(e) || !right(e)
    default:
      throw new LogSearchError(`q uses an unsupported operator ${node.operator}`)
  }
}

function fieldOf(field: string, groupField: string | undefined): keyof LogEvent {
  const name = field === '<implicit>' ? groupField : field
  if (name === undefined) {
    throw new LogSearchError('q needs a field for every term, e.g. type:seccft')
  }
  if (!FIELDS.has(name)) {
    throw new LogSearchError(
      `q names an unknown field ${name}: use one of ${[...FIELDS].join(', ')}`,
    )
  }
  return name as keyof LogEvent
}

function termOf(node: TermNode, field: keyof LogEvent): Predicate {
  if (node.regex || node.similarity || node.proximity) {
    throw new LogSearchError('q supports no regular expression, fuzzy or proximity search')
  }
  const term = node.term
  if (!node.quoted && term.endsWith('*') && !term.slice(0, -1).includes('*')) {
    const start = term.slice(0, -1)
    return (e) => String(e[field] ?? '').startsWith(start)
  }
  if (!node.quoted && /[*?]/.test(term)) {
    throw new LogSearchError(
      'q supports a wildcard only at the end of a term, e.g. client_name:Gift*',
    )
  }
  return (e) => e[field] !== undefined && String(e[field]) === term
}

const DAY_ONLY = /^\d{4}-\d{2}-\d{2}$/
const DAY_MS = 86_400_000

function rangeOf(node: RangeNode, field: keyof LogEvent): Predicate {
  if (field !== 'date') {
    // Text ranges compare as strings, as Lucene does.
    const min = node.term_min === '*' ? undefined : node.term_min
    const max = node.term_max === '*' ? undefined : node.term_max
    const withMin = node.inclusive === 'both' || node.inclusive === 'left'
    const withMax = node.inclusive === 'both' || node.inclusive === 'right'
    return (e) => {
      const value = e[field]
      if (value === undefined) return false
      const text = String(value)
      if (min !== undefined && (withMin ? text < min : text <= min)) return false
      if (max !== undefined && (withMax ? text > max : text >= max)) return false
      return true
    }
  }
  const bound = (term: string, which: 'min' | 'max'): number | undefined => {
    if (term === '*') return undefined
    const at = Date.parse(term)
    if (Number.isNaN(at)) throw new LogSearchError(`q has a date that is not one: ${term}`)
    // A day alone: from its first millisecond, up to its last.
    return DAY_ONLY.test(term) && which === 'max' ? at + DAY_MS - 1 : at
  }
  const min = bound(node.term_min, 'min')
  const max = bound(node.term_max, 'max')
  const withMin = node.inclusive === 'both' || node.inclusive === 'left'
  const withMax = node.inclusive === 'both' || node.inclusive === 'right'
  return (e) => {
    const at = Date.parse(e.date)
    if (min !== undefined && (withMin ? at < min : at <= min)) return false
    if (max !== undefined && (withMax ? at > max : at >= max)) return false
    return true
  }
}
