/**
 * The tenant as the server holds it: Auth0's Management API v2 shapes, plus
 * what only a local tenant needs (secret hashes, action module paths).
 */

/**
 * Auth0's access-token dialects: `access_token` (Auth0's claims), `rfc9068_profile`
 * (RFC 9068: `typ: at+jwt`, `client_id`, `jti`), and each with `_authz`, which
 * "additionally include RBAC permissions claims" (the Management API's
 * `token_dialect`): `permissions`, the granted scopes, as an array.
 */
export const TOKEN_DIALECTS = [
  'access_token',
  'access_token_authz',
  'rfc9068_profile',
  'rfc9068_profile_authz',
] as const
export type TokenDialect = (typeof TOKEN_DIALECTS)[number]

export interface ResourceServerScope {
  value: string
  description?: string
}

/** Auth0's signing algorithms for an API's access tokens (`SigningAlgorithmEnum`). */
export const SIGNING_ALGS = ['RS256', 'RS512', 'PS256', 'HS256'] as const
export type SigningAlg = (typeof SIGNING_ALGS)[number]

/** Auth0's proof-of-possession mechanisms for an API (`ResourceServerProofOfPossessionMechanismEnum`). */
export const POP_MECHANISMS = ['mtls', 'dpop'] as const
/** Which clients a `required` policy applies to (`ResourceServerProofOfPossessionRequiredForEnum`). */
export const POP_REQUIRED_FOR = ['public_clients', 'all_clients'] as const

/**
 * Auth0's `proof_of_possession` of an API: tokens for it may (`required:
 * false`) or must be sender-constrained with `mechanism`. The local tenant
 * serves `dpop` (RFC 9449), not mTLS.
 */
export interface ProofOfPossession {
  mechanism: (typeof POP_MECHANISMS)[number]
  required: boolean
  /** Absent: every client. */
  required_for?: (typeof POP_REQUIRED_FOR)[number]
}

/** An API (Auth0 "resource server"). */
export interface ResourceServer {
  id: string
  name: string
  identifier: string
  scopes: ResourceServerScope[]
  signing_alg: SigningAlg
  /** HS256 only: the secret its tokens are signed with (Auth0's "signing secret"). */
  signing_secret?: string
  /** Seconds; Auth0 default 86,400, at most 2,592,000. */
  token_lifetime: number
  token_dialect: TokenDialect
  /** Sender-constrained tokens (DPoP): allowed or required. Absent: bearer tokens only. */
  proof_of_possession?: ProofOfPossession
  /** True for the Management API itself. */
  is_system?: boolean
  /** Where it was declared: the tenant file, or the Management API. Internal. */
  source?: 'file' | 'api'
  /** Auth0 fields the local tenant does not act on, as the Management API was given them. */
  auth0_fields?: Record<string, unknown>
}

/**
 * Auth0's fine-grained M2M token quota (`TokenQuotaClientCredentials`): tokens
 * issued per UTC hour and/or UTC day. `enforce: false` counts and warns but
 * never refuses; Auth0's default is `true`.
 */
export interface TokenQuotaLimits {
  enforce: boolean
  per_hour?: number
  per_day?: number
}

/** Auth0's `token_quota` of a client or an organization. */
export interface TokenQuota {
  client_credentials: TokenQuotaLimits
}

/** Auth0's tenant setting `default_token_quota`: separate defaults for clients and organizations. */
export interface DefaultTokenQuota {
  clients?: TokenQuota
  organizations?: TokenQuota
}

export type TokenEndpointAuthMethod = 'client_secret_post' | 'client_secret_basic' | 'none'

/** Algorithms of client assertions (private_key_jwt), as Auth0 takes them for a credential. */
export const CLIENT_ASSERTION_ALGS = ['RS256', 'RS384', 'PS256'] as const
export type ClientAssertionAlg = (typeof CLIENT_ASSERTION_ALGS)[number]

/**
 * A client credential (Auth0's `/api/v2/clients/{id}/credentials`): an RSA
 * public key that verifies the client's `private_key_jwt` assertions.
 */
export interface ClientCredential {
  /** `cred_…` */
  id: string
  name?: string
  credential_type: 'public_key'
  /** The kid assertions name it by: given, or the key's RFC 7638 JWK thumbprint. */
  kid: string
  /** The one algorithm its assertions may use (Auth0's default: RS256). */
  alg: ClientAssertionAlg
  /** The public key as SPKI PEM. Never returned by the Management API, as on Auth0. */
  pem: string
  created_at: string
  updated_at: string
  /** ISO 8601; past it, the credential verifies nothing. */
  expires_at?: string
}

/**
 * Auth0's `client_authentication_methods`: with `private_key_jwt`, the client
 * authenticates with assertions signed by the credentials listed (by id), and
 * its secret is refused. `client_secret_post` / `client_secret_basic` are a
 * local extension of the tenant file: the secret is accepted too.
 */
export interface ClientAuthenticationMethods {
  private_key_jwt?: { credentials: Array<{ id: string }> }
  client_secret_post?: Record<string, unknown>
  client_secret_basic?: Record<string, unknown>
}

/** An application. The secret is never held in plain text. */
export interface Client {
  client_id: string
  name: string
  description?: string
  app_type: string
  grant_types: string[]
  token_endpoint_auth_method: TokenEndpointAuthMethod
  client_metadata: Record<string, string>
  /** `scrypt$<salt b64url>$<hash b64url>`: what a token request is checked against. */
  client_secret_hash: string
  /**
   * The secret itself, which Auth0 returns to a token with `read:client_keys`
   * and which `DATA_DIR/client-secrets.env` lists (both files owner-only).
   * Absent for clients persisted before it was kept.
   */
  client_secret?: string
  /** Where it was declared: the tenant file, or the Management API. Internal. */
  source?: 'file' | 'api'
  /** Set when the secret was rotated through the Management API: it then outlives the file's. Internal. */
  secret_rotated_at?: string
  /**
   * Auth0 client fields the local tenant does not act on (callbacks,
   * jwt_configuration, …), kept as the Management API was given them and
   * returned with the client.
   */
  auth0_fields?: Record<string, unknown>
  /**
   * Auth0's default organization: used for the listed flows when a request names
   * none (`organization_id`: an organization's id; in a tenant file its name works too).
   */
  default_organization?: { organization_id: string; flows: Array<'client_credentials'> }
  /** Its own fine-grained M2M token quota; without one, the tenant default for clients applies. */
  token_quota?: TokenQuota
  /** Its credentials (public keys), enabled or not; at most two, as on Auth0. */
  credentials?: ClientCredential[]
  client_authentication_methods?: ClientAuthenticationMethods
  /**
   * Set when the Management API changed the credentials or the authentication
   * methods: they then outlive the tenant file's, as a rotated secret does. Internal.
   */
  credentials_changed_at?: string
}

export type OrganizationUsage = 'deny' | 'allow' | 'require'

export interface ClientGrant {
  id: string
  /** The client; '' for a grant that is `default_for` a group of clients. */
  client_id: string
  audience: string
  scope: string[]
  /**
   * Auth0's default grant: it applies to every third-party client (`is_first_party:
   * false`) that has no grant of its own for the API. Mutually exclusive with `client_id`.
   */
  default_for?: 'third_party_clients'
  /** Auth0's `subject_type`: `client` grants serve client credentials; `user` grants do not. */
  subject_type?: 'client' | 'user'
  /**
   * Auth0's "all scopes configured on the resource server are allowed for this
   * grant": the API's scopes when a token is issued, added ones included.
   */
  allow_all_scopes?: boolean
  organization_usage?: OrganizationUsage
  allow_any_organization?: boolean
  /** Where it was declared: the tenant file, or the Management API. Internal. */
  source?: 'file' | 'api'
}

export interface Organization {
  id: string
  name: string
  display_name: string
  metadata: Record<string, string>
  /** Client grants (by id) this organization may be used with, when not `allow_any_organization`. */
  client_grant_ids: string[]
  /** Its own fine-grained M2M token quota; without one, the tenant default for organizations applies. */
  token_quota?: TokenQuota
  /** Where it was declared: the tenant file, or the Management API. Internal. */
  source?: 'file' | 'api'
  /** Auth0 fields the local tenant does not act on (branding, …), as they were given. */
  auth0_fields?: Record<string, unknown>
}

/** A credentials-exchange Action, bound to the trigger in order. */
export interface CredentialsExchangeAction {
  name: string
  /** Absolute path of the module exporting `onExecuteCredentialsExchange`. */
  modulePath: string
  secrets: Record<string, string>
  /** npm packages its code may import (the export's `dependencies`, by name). */
  dependencies: string[]
}

export interface User {
  user_id: string
  email?: string
  name?: string
  [field: string]: unknown
}

export interface TenantSettings {
  friendly_name?: string
  /** Audience used when a token request names none (Auth0's tenant default audience). */
  default_audience?: string
  /**
   * Auth0's tenant setting: an organization may be named by its name (not only
   * its id) in token requests, and tokens carry `org_name`. Off by default, as
   * on Auth0.
   */
  allow_organization_name_in_authentication_api?: boolean
  /** Auth0's tenant-level default quotas, for clients and organizations without their own. */
  default_token_quota?: DefaultTokenQuota
  /** Auth0 tenant settings the local tenant does not act on, as they were given. */
  auth0_fields?: Record<string, unknown>
}

/** A loaded tenant, ready to serve. */
export interface Tenant {
  settings: TenantSettings
  resourceServers: ResourceServer[]
  clients: Client[]
  clientGrants: ClientGrant[]
  organizations: Organization[]
  /** Bound to `credentials-exchange`, in execution order. */
  actions: CredentialsExchangeAction[]
  users: User[]
}

/** The scopes a grant gives on its API: all of the API's when `allow_all_scopes` is set. */
export function grantedScopes(grant: ClientGrant, api: ResourceServer): string[] {
  return grant.allow_all_scopes ? api.scopes.map((scope) => scope.value) : grant.scope
}

/** Whether the client authenticates with `private_key_jwt` (Auth0's `client_authentication_methods`). */
export function usesPrivateKeyJwt(client: Client): boolean {
  return client.client_authentication_methods?.private_key_jwt !== undefined
}

/**
 * Whether a client secret may authenticate the client: not for a
 * `private_key_jwt` client (Auth0 makes the two exclusive), unless its tenant
 * file entry also lists a secret method (local extension).
 */
export function acceptsSecret(client: Client): boolean {
  const methods = client.client_authentication_methods
  if (methods?.private_key_jwt === undefined) return true
  return methods.client_secret_post !== undefined || methods.client_secret_basic !== undefined
}

/** The credentials enabled for `private_key_jwt`, in the order listed. */
export function privateKeyJwtCredentials(client: Client): ClientCredential[] {
  const enabled = client.client_authentication_methods?.private_key_jwt?.credentials ?? []
  return enabled.flatMap(({ id }) => client.credentials?.find((c) => c.id === id) ?? [])
}
