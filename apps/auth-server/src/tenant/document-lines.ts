import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import { describePath, isRecord } from './document-path.js'
import type { DocumentPath } from './keyword-replace.js'

// Where things are in a tenant file's text, for `checkTenantFile`: a path of the
// parsed document to a line and column, and a problem message back to its path.

/** 1-based, as editors count. */
export interface SourcePosition {
  line: number
  column: number
}

/**
 * Finds paths in the text of a tenant file (YAML, or JSON, which YAML reads
 * the same): a mapping's field is where its key starts, a list item where it
 * starts. A path that leaves the text (a missing field, a key a keyword
 * renamed) stops at the deepest place found, so a missing field points at its
 * entry. `text` must be the marked text the loader parsed (placeholders are
 * swapped for sentinels of the same length, so offsets are the file's).
 */
export function createPositionFinder(
  text: string,
): (path: DocumentPath) => SourcePosition | undefined {
  const lineCounter = new LineCounter()
  // Duplicate keys are the loader's to refuse; here any readable document will do.
  const document = parseDocument(text, { lineCounter, uniqueKeys: false })
  const at = (offset: number | undefined): SourcePosition | undefined => {
    if (offset === undefined) return undefined
    const { line, col } = lineCounter.linePos(offset)
    return { line, column: col }
  }

  return (path) => {
    let node: unknown = document.contents
    let found = at((node as Node | null)?.range?.[0])
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(document)
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => String(isScalar(item.key) ? item.key.value : item.key) === String(segment),
        )
        if (!pair) break
        found = at((pair.key as Node | null)?.range?.[0]) ?? found
        node = pair.value
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | null | undefined
        if (item == null) break
        found = at(item.range?.[0]) ?? found
        node = item
      } else break
    }
    return found
  }
}

/**
 * Every place of `trees` by the name `describePath` gives it
 * (`clients[2] ("Storefront").grant_types`), so a problem the loader reported
 * as text can be traced back to its path. Earlier trees win a name.
 */
export function indexDescribedPaths(...trees: unknown[]): Map<string, DocumentPath> {
  const index = new Map<string, DocumentPath>()
  for (const tree of trees) {
    const visit = (node: unknown, path: DocumentPath) => {
      const name = describePath(tree, path)
      if (!index.has(name)) index.set(name, path)
      const children: Array<[string | number, unknown]> = Array.isArray(node)
        ? node.map((item, i) => [i, item])
        : isRecord(node)
          ? Object.entries(node)
          : []
      for (const [key, item] of children) visit(item, [...path, key])
    }
    visit(tree, [])
  }
  return index
}

/**
 * The path a loader problem (`<described path>: <message>`) is about: the
 * longest described place it starts with, followed by `:`, `.` or `[` (a
 * problem about a field that is missing names a place under one that exists).
 */
export function pathOfProblem(
  problem: string,
  index: ReadonlyMap<string, DocumentPath>,
): { name: string; path: DocumentPath } | undefined {
  let best: { name: string; path: DocumentPath } | undefined
  for (const [name, path] of index) {
    if (best !== undefined && name.length <= best.name.length) continue
    if (problem.startsWith(name) && /^[:.[]/.test(problem.slice(name.length))) best = { name, path }
  }
  return best
}
