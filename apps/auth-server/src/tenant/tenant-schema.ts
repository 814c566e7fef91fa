/**
 * JSON Schema (draft-07, checked with ajv) of the part of an Auth0 Deploy CLI
 * `tenant.yaml` that the local tenant uses, plus two local-only extensions:
 * `client_id` / `client_secret` on clients, and a `users` section (and a third,
 * small: `client_secret_post` / `client_secret_basic` beside `private_key_jwt`
 * in `client_authentication_methods`, to keep the secret during a migration).
 *
 * The schema lists exactly the fields the loader reads. Anything else — other
 * top-level sections of a real export (`emailTemplates`, `pages`, `rules`,
 * `connections`, `roles`, ...) and the many other fields of each entry — is
 * removed by `pruneToSchema` before keyword replacement and validation, so a
 * real export loads and a placeholder in a field nobody reads is not an error.
 * A field the loader reads must have the right type.
 */

import { proofOfPossessionSchema } from '../dpop/proof-of-possession.js'
import {
  CLIENT_ASSERTION_ALGS,
  type ClientAssertionAlg,
  type ProofOfPossession,
  SIGNING_ALGS,
  type SigningAlg,
  TOKEN_DIALECTS,
  type TokenDialect,
} from './model.js'
import {
  defaultTokenQuotaSchema,
  type TokenQuotaInput,
  tokenQuotaSchema,
} from './token-quota-config.js'

/** Auth0's maximum access token lifetime for an API, in seconds (30 days). */
export const MAX_TOKEN_LIFETIME = 2_592_000

export interface ResourceServerEntry {
  name: string
  identifier: string
  scopes?: Array<{ value: string; description?: string }>
  token_lifetime?: number
  signing_alg?: SigningAlg
  signing_secret?: string
  token_dialect?: TokenDialect
  /** DPoP allowed or required for its tokens; `null` (an export's) is none. */
  proof_of_possession?: ProofOfPossession | null
}

/** A credential as the Deploy CLI writes it; one without `pem` (an export has none) is skipped. */
export interface CredentialEntry {
  name?: string
  credential_type?: string
  /** The public key (SPKI or PKCS#1 PEM, or an X.509 certificate), usually a `##KEYWORD##`. */
  pem?: string
  alg?: ClientAssertionAlg
  kid?: string
  expires_at?: string
  parse_expiry_from_cert?: boolean
}

export interface ClientEntry {
  name: string
  description?: string
  app_type?: string
  grant_types?: string[]
  /** `private_key_jwt` as well: the same as `client_authentication_methods.private_key_jwt`. */
  token_endpoint_auth_method?:
    | 'client_secret_post'
    | 'client_secret_basic'
    | 'none'
    | 'private_key_jwt'
  /** Auth0's; `client_secret_post` / `client_secret_basic` here (local) keep the secret usable too. */
  client_authentication_methods?: {
    private_key_jwt?: { credentials?: CredentialEntry[] }
    client_secret_post?: Record<string, unknown>
    client_secret_basic?: Record<string, unknown>
  }
  client_metadata?: Record<string, string>
  /** Local-only: fixed client id (the Deploy CLI never exports it). */
  client_id?: string
  /** Local-only: the client secret in plain text, normally a `##KEYWORD##`. */
  client_secret?: string
  /** Auth0's fine-grained M2M token quota; `null` (an export's) is none. */
  token_quota?: TokenQuotaInput | null
  default_organization?: { organization_id: string; flows: Array<'client_credentials'> }
}

export interface ClientGrantEntry {
  /** The client's NAME, as the Deploy CLI writes it (a client id is accepted too). */
  client_id?: string
  /** Instead of `client_id`: Auth0's default grant for every third-party client. */
  default_for?: 'third_party_clients'
  subject_type?: 'client' | 'user'
  audience: string
  scope?: string[]
  /** Every scope of the API, including those added later, whatever `scope` says. */
  allow_all_scopes?: boolean
  organization_usage?: 'deny' | 'allow' | 'require'
  allow_any_organization?: boolean
}

export interface OrganizationEntry {
  name: string
  display_name?: string
  metadata?: Record<string, string>
  /** Each grant by its client's name, as the Deploy CLI exports it; `audience` (local) picks among several. */
  client_grants?: Array<{ client_id: string; audience?: string }>
  /** Auth0's fine-grained M2M token quota; `null` (an export's) is none. */
  token_quota?: TokenQuotaInput | null
}

export interface ActionEntry {
  name: string
  /** Path of the module, relative to the tenant file. */
  code: string
  supported_triggers: Array<{ id: string; version?: string }>
  secrets?: Array<{ name: string; value?: string }>
  dependencies?: Array<{ name: string; version?: string }>
}

export interface TriggerBindingEntry {
  action_name: string
  display_name?: string
}

export interface UserEntry {
  user_id?: string
  email: string
  name?: string
  [field: string]: unknown
}

/** A tenant file after pruning, keyword replacement and schema validation. */
export interface TenantDocument {
  tenant?: {
    friendly_name?: string
    default_audience?: string
    allow_organization_name_in_authentication_api?: boolean
    /** Auth0's tenant-level default quotas; `null` (an export's) is none. */
    default_token_quota?: {
      clients?: TokenQuotaInput
      organizations?: TokenQuotaInput
    } | null
  }
  resourceServers?: ResourceServerEntry[]
  clients?: ClientEntry[]
  clientGrants?: ClientGrantEntry[]
  organizations?: OrganizationEntry[]
  actions?: ActionEntry[]
  triggers?: { 'credentials-exchange'?: TriggerBindingEntry[] }
  users?: UserEntry[]
}

/**
 * The subset of JSON Schema that `pruneToSchema` understands, plus `x-hint`:
 * for `enum`, an explanation after the message; for `pattern`, the message
 * itself (ajv would print the regular expression).
 */
export interface SchemaNode {
  type?: string
  properties?: Record<string, SchemaNode>
  required?: string[]
  additionalProperties?: boolean | SchemaNode
  items?: SchemaNode
  enum?: unknown[]
  'x-hint'?: string
  [keyword: string]: unknown
}

const text = { type: 'string' } satisfies SchemaNode
const name = { type: 'string', minLength: 1 } satisfies SchemaNode
const stringList = { type: 'array', items: text } satisfies SchemaNode
/** Auth0 metadata: string values only. */
const metadata = { type: 'object', additionalProperties: text } satisfies SchemaNode

const resourceServer = {
  type: 'object',
  required: ['name', 'identifier'],
  properties: {
    name,
    identifier: name,
    scopes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['value'],
        properties: {
          value: {
            type: 'string',
            pattern: '^\\S+$',
            'x-hint': 'must be one word: scopes are sent space-separated',
          },
          description: text,
        },
      },
    },
    token_lifetime: { type: 'integer', minimum: 1, maximum: MAX_TOKEN_LIFETIME },
    signing_alg: { enum: [...SIGNING_ALGS] },
    // Auth0 requires at least 16 characters. No pattern or value in messages: this is a secret.
    signing_secret: { type: 'string', minLength: 16 },
    token_dialect: { enum: [...TOKEN_DIALECTS] },
    proof_of_possession: proofOfPossessionSchema,
  },
} satisfies SchemaNode

const credential = {
  type: 'object',
  properties: {
    name: text,
    credential_type: { enum: ['public_key'] },
    // Checked when the tenant is built (an RSA public key of 2048 bits or more).
    pem: { type: 'string', minLength: 1 },
    alg: { enum: [...CLIENT_ASSERTION_ALGS] },
    kid: {
      type: 'string',
      pattern: '^[0-9a-zA-Z_-]{10,64}$',
      'x-hint': 'must be 10 to 64 letters, digits, "-" or "_"',
    },
    expires_at: { type: 'string', minLength: 1 },
    parse_expiry_from_cert: { type: 'boolean' },
  },
} satisfies SchemaNode

/** A method that takes no settings here (`client_secret_post: {}`). */
const bareMethod = { type: 'object' } satisfies SchemaNode

const client = {
  type: 'object',
  required: ['name'],
  properties: {
    name,
    description: text,
    app_type: name,
    grant_types: stringList,
    token_endpoint_auth_method: {
      enum: ['client_secret_post', 'client_secret_basic', 'none', 'private_key_jwt'],
    },
    client_authentication_methods: {
      type: 'object',
      properties: {
        private_key_jwt: {
          type: 'object',
          properties: {
            // Auth0 holds two credentials per client at most.
            credentials: { type: 'array', maxItems: 2, items: credential },
          },
        },
        client_secret_post: bareMethod,
        client_secret_basic: bareMethod,
      },
    },
    client_metadata: metadata,
    client_id: {
      type: 'string',
      pattern: '^[A-Za-z0-9._~-]{1,128}$',
      'x-hint': 'must be 1 to 128 letters, digits, ".", "_", "~" or "-"',
    },
    // No pattern or value in messages: this is a secret.
    client_secret: { type: 'string', minLength: 32 },
    default_organization: {
      type: 'object',
      required: ['organization_id', 'flows'],
      properties: {
        organization_id: name,
        flows: { type: 'array', items: { enum: ['client_credentials'] } },
      },
    },
    token_quota: tokenQuotaSchema({ nullable: true }),
  },
} satisfies SchemaNode

const clientGrant = {
  type: 'object',
  required: ['audience'],
  properties: {
    client_id: name,
    default_for: { enum: ['third_party_clients'] },
    subject_type: { enum: ['client', 'user'] },
    audience: name,
    scope: stringList,
    allow_all_scopes: { type: 'boolean' },
    organization_usage: { enum: ['deny', 'allow', 'require'] },
    allow_any_organization: { type: 'boolean' },
  },
} satisfies SchemaNode

const organization = {
  type: 'object',
  required: ['name'],
  properties: {
    // Auth0's rule for organization names.
    name: {
      type: 'string',
      pattern: '^[a-z0-9](?:[a-z0-9_-]{0,48}[a-z0-9])?$',
      'x-hint':
        'must be 1 to 50 lowercase letters, digits, "-" or "_", starting and ending with a letter or digit',
    },
    display_name: name,
    metadata,
    client_grants: {
      type: 'array',
      items: {
        type: 'object',
        required: ['client_id'],
        properties: { client_id: name, audience: name },
      },
    },
    token_quota: tokenQuotaSchema({ nullable: true }),
  },
} satisfies SchemaNode

const action = {
  type: 'object',
  required: ['name', 'code', 'supported_triggers'],
  properties: {
    name,
    code: name,
    supported_triggers: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id'],
        properties: { id: name, version: text },
      },
    },
    dependencies: {
      type: 'array',
      maxItems: 10,
      items: {
        type: 'object',
        required: ['name'],
        properties: { name, version: text },
      },
    },
    secrets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name, value: text },
      },
    },
  },
} satisfies SchemaNode

const user = {
  type: 'object',
  required: ['email'],
  // Local users keep every field they are given.
  additionalProperties: true,
  properties: {
    user_id: name,
    email: {
      type: 'string',
      pattern: '^[^\\s@]+@[^\\s@]+$',
      'x-hint': 'must be an email address',
    },
    name: text,
  },
} satisfies SchemaNode

/** The tenant file subset. Sections and fields not listed are not read. */
export const tenantDocumentSchema = {
  $id: 'https://m2m.local/schemas/tenant-file.json',
  title: 'Auth0 Deploy CLI tenant file (subset read by the local tenant)',
  type: 'object',
  properties: {
    tenant: {
      type: 'object',
      properties: {
        friendly_name: text,
        default_audience: name,
        allow_organization_name_in_authentication_api: { type: 'boolean' },
        default_token_quota: defaultTokenQuotaSchema({ nullable: true }),
      },
    },
    resourceServers: { type: 'array', items: resourceServer },
    clients: { type: 'array', items: client },
    clientGrants: { type: 'array', items: clientGrant },
    organizations: { type: 'array', items: organization },
    actions: { type: 'array', items: action },
    triggers: {
      type: 'object',
      properties: {
        'credentials-exchange': {
          type: 'array',
          items: {
            type: 'object',
            required: ['action_name'],
            properties: { action_name: name, display_name: text },
          },
        },
      },
    },
    users: { type: 'array', items: user },
  },
} satisfies SchemaNode
