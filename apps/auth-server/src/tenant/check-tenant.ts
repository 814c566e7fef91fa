/**
 * `checkTenantFile`: what the local tenant would make of a tenant file, with
 * no server — what it would load, what it ignores, what it refuses — each
 * with its line in the file.
 *
 * The verdict is the loader's own (`parseTenantDocument`, as a start runs
 * it): this module adds only the places. Problems the loader reports as
 * `<described path>: <message>` are traced back to their path, and the path
 * to its line with the `yaml` package's document API (`LineCounter`).
 */
import { dirname, resolve } from 'node:path'
import { TenantInvalidError, TenantKeywordError, TenantSyntaxError } from '../errors.js'
import { CREDENTIALS_EXCHANGE } from './build-actions.js'
import type { LoadedTenant } from './build-tenant.js'
import {
  createPositionFinder,
  indexDescribedPaths,
  pathOfProblem,
  type SourcePosition,
} from './document-lines.js'
import { describePath, isRecord } from './document-path.js'
import { normalizeIssuer } from './issuer.js'
import {
  type DocumentPath,
  type KeywordMappings,
  markKeywords,
  unmarkKeywords,
} from './keyword-replace.js'
import {
  type LoadTenantOptions,
  parseTenantDocument,
  prepareTenantDocument,
  type TenantDocumentSteps,
  tenantKeywordMappings,
} from './load-tenant.js'
import { readText, tenantFileFormat } from './read-tenant-text.js'
import { tenantDocumentSchema } from './tenant-schema.js'
import {
  type ApiSummary,
  type ClientSummary,
  type GrantSummary,
  type OrganizationSummary,
  summarizeTenant,
} from './tenant-summary.js'

/** The issuer a check assumes unless told: the local tenant's default (`PORT` 4000). */
export const DEFAULT_CHECK_ISSUER = 'http://localhost:4000/'

export interface TenantCheckOptions {
  /** The issuer the tenant would run with (the Management API is `<issuer>api/v2/`). Default `http://localhost:4000/`. */
  issuer?: string
  /** `AUTH0_KEYWORD_REPLACE_MAPPINGS`, parsed; over `keywords.json` beside the file. */
  keywordMappings?: KeywordMappings
  /** As `loadTenantFile`'s: default `keywords.json` beside the file when present; `false`: none. */
  keywordsFile?: LoadTenantOptions['keywordsFile']
}

/** One finding, placed in the file (1-based) when the place is known. */
export interface TenantCheckItem {
  /** Where in the document: `clients[2] ("Storefront").grant_types`, `pages`, … */
  path?: string
  line?: number
  column?: number
  message: string
}

/** A summary entry with its line in the file (none for the Management API, which no file declares). */
export type Located<T> = T & { line?: number }

export interface TenantCheckLoads {
  apis: Array<Located<ApiSummary>>
  clients: Array<Located<ClientSummary & { secret: 'given' | 'generated' }>>
  grants: Array<Located<GrantSummary>>
  organizations: Array<Located<OrganizationSummary>>
  actions: Array<Located<{ name: string }>>
}

export interface TenantCheckReport {
  /** Absolute path of the file checked. */
  file: string
  issuer: string
  /** True when the local tenant would start with this file. */
  ok: boolean
  /** The code a start would fail with: `TENANT_ERR_SYNTAX`, `TENANT_ERR_KEYWORD` or `TENANT_ERR_INVALID`. */
  code?: string
  /** Why it would not start, every problem at once (the loader stops at the first failing step). */
  refused: TenantCheckItem[]
  /** Sections, fields and entries the tenant does not read, in file order. */
  ignored: TenantCheckItem[]
  /** What the tenant would serve; absent when refused. */
  loads?: TenantCheckLoads
}

/**
 * Checks a tenant file offline, as `m2m tenant check` does. A file that
 * cannot be read, a name without `.yaml`/`.yml`/`.json`, bad keyword
 * mappings or a bad issuer throw (`TENANT_ERR_READ`, `TENANT_ERR_FORMAT`,
 * `TENANT_ERR_KEYWORD_MAPPINGS`, `TENANT_ERR_OPTION`): there is nothing to
 * check. Everything else is reported.
 */
export async function checkTenantFile(
  path: string,
  options: TenantCheckOptions = {},
): Promise<TenantCheckReport> {
  const file = resolve(path)
  const issuer = normalizeIssuer(options.issuer ?? DEFAULT_CHECK_ISSUER)
  const format = tenantFileFormat(file)
  const text = await readText(file)
  const keywordMappings = await tenantKeywordMappings(file, options)
  const parseOptions = { issuer, keywordMappings, baseDir: dirname(file), source: file }
  const report: TenantCheckReport = { file, issuer, ok: false, refused: [], ignored: [] }

  let steps: TenantDocumentSteps
  try {
    steps = prepareTenantDocument(text, format, parseOptions)
  } catch (error) {
    if (error instanceof TenantSyntaxError) {
      return { ...report, code: error.code, refused: [syntaxProblem(error, file)] }
    }
    if (error instanceof TenantInvalidError) {
      const at = { line: 1, column: 1 }
      const refused = error.problems.map((message) => ({ path: '(document)', ...at, message }))
      return { ...report, code: error.code, refused: refused.map(withoutPathPrefix) }
    }
    throw error
  }

  const position = createPositionFinder(markKeywords(text, file))
  const place: Place = (tree, path) => ({
    path: unmarkKeywords(describePath(tree, path)),
    ...position(path),
  })

  let loaded: LoadedTenant | undefined
  try {
    loaded = await parseTenantDocument(text, format, parseOptions)
  } catch (error) {
    if (!(error instanceof TenantKeywordError || error instanceof TenantInvalidError)) throw error
    const index = indexDescribedPaths(steps.replaced, steps.candidate, steps.parsed)
    report.code = error.code
    report.refused = error.problems.map((problem) => {
      const found = pathOfProblem(problem, index)
      // The message follows the first ": " after the place found (a missing field is named after it).
      const colon = found ? problem.indexOf(': ', found.name.length) : -1
      if (!found || colon === -1) return { message: problem }
      return {
        path: problem.slice(0, colon),
        ...position(found.path),
        message: problem.slice(colon + 2),
      }
    })
  }

  report.ignored = ignoredItems(steps, loaded, place)
  if (!loaded) return report
  return { ...report, ok: true, loads: locateLoads(loaded, steps.candidate, position) }
}

function syntaxProblem(error: TenantSyntaxError, file: string): TenantCheckItem {
  const prefix = `${file}: `
  const message = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message
  return {
    ...(error.line === undefined ? {} : { line: error.line }),
    ...(error.column === undefined ? {} : { column: error.column }),
    message,
  }
}

function withoutPathPrefix(item: TenantCheckItem): TenantCheckItem {
  const prefix = `${item.path}: `
  return item.message.startsWith(prefix)
    ? { ...item, message: item.message.slice(prefix.length) }
    : item
}

type Place = (tree: unknown, path: DocumentPath) => Omit<TenantCheckItem, 'message'>

/**
 * What the loader drops (sections and fields the schema does not describe),
 * actions no trigger runs, and credentials without a key: in file order.
 */
function ignoredItems(
  steps: TenantDocumentSteps,
  loaded: LoadedTenant | undefined,
  place: Place,
): TenantCheckItem[] {
  const read = new Set(Object.keys(tenantDocumentSchema.properties))
  const items: TenantCheckItem[] = []
  const note = (path: DocumentPath, message: string) =>
    items.push({ ...place(steps.parsed, path), message })

  for (const [section, value] of Object.entries(steps.parsed)) {
    if (!read.has(section)) {
      note([section], 'section not read by the local tenant (nothing M2M in it)')
      continue
    }
    if (value === null) continue
    const pruned = isRecord(steps.pruned) ? steps.pruned[section] : undefined
    for (const path of droppedPaths(value, pruned, [section])) {
      note(path, 'field not read by the local tenant')
    }
  }

  const document = steps.candidate as {
    actions?: Array<{ name?: unknown }>
    clients?: Array<{
      client_authentication_methods?: { private_key_jwt?: { credentials?: unknown[] } }
    }>
  }
  const bound = loaded && new Set(loaded.tenant.actions.map((action) => action.name))
  ;(document.actions ?? []).forEach((action, i) => {
    if (bound && typeof action.name === 'string' && !bound.has(action.name)) {
      note(['actions', i], `not bound to ${CREDENTIALS_EXCHANGE}: never runs here`)
    }
  })
  ;(document.clients ?? []).forEach((client, i) => {
    const credentials = client.client_authentication_methods?.private_key_jwt?.credentials
    if (!Array.isArray(credentials)) return
    credentials.forEach((credential, k) => {
      if (isRecord(credential) && credential.pem === undefined) {
        const path = ['clients', i, 'client_authentication_methods', 'private_key_jwt']
        note(
          [...path, 'credentials', k],
          'credential without pem (an export never holds the key): skipped, the client waits for keys from the Management API',
        )
      }
    })
  })
  return items.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
}

/** Paths of `original` that `pruned` (what `pruneToSchema` kept of it) lacks. */
function droppedPaths(original: unknown, pruned: unknown, path: DocumentPath): DocumentPath[] {
  if (Array.isArray(original) && Array.isArray(pruned)) {
    return original.flatMap((item, i) => droppedPaths(item, pruned[i], [...path, i]))
  }
  if (!isRecord(original) || !isRecord(pruned)) return []
  return Object.keys(original).flatMap((key) =>
    Object.hasOwn(pruned, key)
      ? droppedPaths(original[key], pruned[key], [...path, key])
      : [[...path, key]],
  )
}

/**
 * The summary of a loaded tenant, each entry with the line it comes from: a
 * file that loads has no problem, so the i-th entry of a section is the i-th
 * of the file (APIs after the Management API).
 */
function locateLoads(
  loaded: LoadedTenant,
  document: unknown,
  position: (path: DocumentPath) => SourcePosition | undefined,
): TenantCheckLoads {
  const summary = summarizeTenant(loaded.tenant)
  const lineOf = (...path: DocumentPath) => {
    const line = position(path)?.line
    return line === undefined ? {} : { line }
  }
  const generated = new Set(loaded.generatedSecrets.map((secret) => secret.clientId))
  const actions = (
    isRecord(document) && Array.isArray(document.actions) ? document.actions : []
  ).map((action) => (isRecord(action) ? action.name : undefined))
  let fileApi = 0
  return {
    apis: summary.apis.map((api) =>
      api.system ? api : { ...api, ...lineOf('resourceServers', fileApi++) },
    ),
    clients: summary.clients.map((client, i) => ({
      ...client,
      secret: generated.has(client.clientId) ? 'generated' : 'given',
      ...lineOf('clients', i),
    })),
    grants: summary.grants.map((grant, i) => ({ ...grant, ...lineOf('clientGrants', i) })),
    organizations: summary.organizations.map((org, i) => ({
      ...org,
      ...lineOf('organizations', i),
    })),
    actions: summary.actions.map((name) => ({
      name,
      ...lineOf('actions', actions.indexOf(name)),
    })),
  }
}
