/**
 * Loads an Auth0 Deploy CLI tenant file (`tenant.yaml`, or the same document
 * as JSON) into the in-memory `Tenant`.
 *
 * Steps: placeholders marked in the text → YAML/JSON parse → sections and
 * fields the local tenant does not read are dropped → keywords replaced in the
 * tree → JSON Schema validation → references checked (grants, organizations,
 * triggers, action files) → secrets hashed. Each step that can fail collects
 * every problem first and throws one coded error listing them, each naming
 * the entry and the field: `clients[2] ("Storefront").grant_types: must be array`.
 *
 * This file runs the steps; reading and parsing are in `read-tenant-text.ts`,
 * building the tenant from the valid document in `build-tenant.ts`.
 */
import { dirname, join, resolve } from 'node:path'
import { TenantInvalidError, TenantKeywordError } from '../errors.js'
import { buildTenant, type LoadedTenant } from './build-tenant.js'
import { describePath } from './document-path.js'
import { managementApiAudience, normalizeIssuer } from './issuer.js'
import {
  assertKeywordMappings,
  type KeywordMappings,
  type KeywordProblem,
  markKeywords,
  replaceKeywords,
} from './keyword-replace.js'
import {
  parse,
  readKeywordsFile,
  readText,
  type TenantFileFormat,
  tenantFileFormat,
} from './read-tenant-text.js'
import { tenantDocumentSchema } from './tenant-schema.js'
import { pruneToSchema, validateTenantDocument } from './validate-document.js'

export {
  type GeneratedSecret,
  type LoadedTenant,
  TENANT_DEFAULTS,
} from './build-tenant.js'
export { managementApiAudience } from './issuer.js'
export { type TenantFileFormat, tenantFileFormat } from './read-tenant-text.js'

/**
 * Keyword the loader always defines, so a tenant file can grant the Management
 * API without knowing the issuer: `audience: '##MANAGEMENT_API_AUDIENCE##'`
 * becomes `<issuer>api/v2/`. It overrides a mapping of the same name, which
 * could only point at an API this tenant does not have.
 */
export const MANAGEMENT_API_KEYWORD = 'MANAGEMENT_API_AUDIENCE'

/** File name, beside the tenant file, of local-only keyword values (merged under the given mappings). */
export const KEYWORDS_FILE_NAME = 'keywords.json'

export interface LoadTenantOptions {
  /** The tenant's issuer, e.g. `http://localhost:4000/` (a missing final `/` is added). */
  issuer: string
  /** `AUTH0_KEYWORD_REPLACE_MAPPINGS`, parsed. Win over `keywords.json`. Default `{}`. */
  keywordMappings?: KeywordMappings
  /**
   * Local-only keyword values merged under `keywordMappings`. Default:
   * `keywords.json` beside the tenant file, used when it exists; `false`: none.
   */
  keywordsFile?: string | false
}

export interface ParseTenantOptions {
  /** The tenant's issuer, e.g. `http://localhost:4000/` (a missing final `/` is added). */
  issuer: string
  /** Keyword values. Default `{}`. `MANAGEMENT_API_AUDIENCE` is always added. */
  keywordMappings?: KeywordMappings
  /** Directory that actions' `code` paths are relative to (the tenant file's). */
  baseDir: string
  /** Name of the document in error messages. Default `tenant file`. */
  source?: string
}

/**
 * Reads and loads a tenant file. Keyword values come from `keywordMappings`
 * over those of `keywords.json` beside the file (when present), so the dev
 * tenant starts with no configuration and any value can be overridden.
 */
export async function loadTenantFile(
  path: string,
  options: LoadTenantOptions,
): Promise<LoadedTenant> {
  const format = tenantFileFormat(path)
  const text = await readText(path)
  return parseTenantDocument(text, format, {
    issuer: options.issuer,
    keywordMappings: await tenantKeywordMappings(path, options),
    baseDir: dirname(resolve(path)),
    source: path,
  })
}

/** The keyword values a tenant file is loaded with: `keywordMappings` over `keywords.json`. */
export async function tenantKeywordMappings(
  path: string,
  options: Pick<LoadTenantOptions, 'keywordMappings' | 'keywordsFile'>,
): Promise<KeywordMappings> {
  const keywordsPath =
    options.keywordsFile === false
      ? undefined
      : (options.keywordsFile ?? join(dirname(path), KEYWORDS_FILE_NAME))
  const fromFile =
    keywordsPath === undefined
      ? {}
      : await readKeywordsFile(keywordsPath, options.keywordsFile !== undefined)
  const given = assertKeywordMappings(options.keywordMappings ?? {}, 'keywordMappings option')
  return { ...fromFile, ...given }
}

/** Loads a tenant document from its text. See `loadTenantFile`. */
export async function parseTenantDocument(
  text: string,
  format: TenantFileFormat,
  options: ParseTenantOptions,
): Promise<LoadedTenant> {
  const source = options.source ?? 'tenant file'
  const issuer = normalizeIssuer(options.issuer)
  const steps = prepareTenantDocument(text, format, options)
  if (steps.keywordProblems.length > 0) {
    throw new TenantKeywordError(
      source,
      steps.keywordProblems.map((p) => `${describePath(steps.replaced, p.path)}: ${p.message}`),
    )
  }

  const { candidate } = steps
  const validation = validateTenantDocument(candidate)
  if (!validation.ok) {
    throw new TenantInvalidError(
      source,
      validation.problems.map((p) => `${describePath(candidate, p.path)}: ${p.message}`),
    )
  }

  const built = await buildTenant(validation.document, issuer, options.baseDir)
  if (built.problems.length > 0) throw new TenantInvalidError(source, built.problems)
  const read = new Set(Object.keys(tenantDocumentSchema.properties))
  return {
    ...built.loaded,
    ignoredSections: Object.keys(steps.parsed).filter((section) => !read.has(section)),
  }
}

/** A tenant document at each step before validation (`checkTenantFile` reads them too). */
export interface TenantDocumentSteps {
  /** As parsed, placeholders marked (an empty file is `{}`). */
  parsed: Record<string, unknown>
  /** Only what the schema describes (`pruneToSchema`), placeholders still marked. */
  pruned: unknown
  /** Keywords replaced in `pruned`. */
  replaced: unknown
  /** Placeholders without a usable value, by their path in `replaced`. */
  keywordProblems: KeywordProblem[]
  /** `replaced` pruned again (a keyword may bring a whole entry): what is validated. */
  candidate: unknown
}

/**
 * Parses, prunes and replaces keywords. Throws `TENANT_ERR_SYNTAX` for text
 * that is not YAML/JSON, `TENANT_ERR_INVALID` for a document that is not a
 * mapping; keyword problems are returned, not thrown.
 */
export function prepareTenantDocument(
  text: string,
  format: TenantFileFormat,
  options: ParseTenantOptions,
): TenantDocumentSteps {
  const source = options.source ?? 'tenant file'
  const issuer = normalizeIssuer(options.issuer)
  const mappings = {
    ...assertKeywordMappings(options.keywordMappings ?? {}, 'keywordMappings option'),
    [MANAGEMENT_API_KEYWORD]: managementApiAudience(issuer),
  }

  const parsed = parse(markKeywords(text, source), format, source)
  if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
    const got = Array.isArray(parsed) ? 'a list' : `a ${typeof parsed}`
    throw new TenantInvalidError(source, [`(document): must be a mapping of sections (got ${got})`])
  }
  // An empty file, or a section left empty (`clients:`), means nothing declared.
  const sections = Object.fromEntries(
    Object.entries(parsed ?? {}).filter(([, value]) => value !== null),
  )

  const pruned = pruneToSchema(sections, tenantDocumentSchema)
  const replaced = replaceKeywords(pruned, mappings)
  return {
    parsed: (parsed ?? {}) as Record<string, unknown>,
    pruned,
    replaced: replaced.value,
    keywordProblems: replaced.problems,
    // Pruned again: a keyword may have brought in a whole entry with extra fields.
    candidate: pruneToSchema(replaced.value, tenantDocumentSchema),
  }
}
