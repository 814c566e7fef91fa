import {
  constants,
  createHmac,
  createPrivateKey,
  type KeyObject,
  randomUUID,
  sign as rsaSign,
} from 'node:crypto'
import type { KeyRing, SigningKey } from '../keys/key-ring.js'
import type { Organization, ResourceServer, SigningAlg } from '../tenant/model.js'

export interface AccessTokenInput {
  clientId: string
  resourceServer: ResourceServer
  scopes: string[]
  organization: Organization | undefined
  /** `org_name` beside `org_id` (the tenant's allow_organization_name_in_authentication_api). Default true. */
  withOrgName?: boolean
  customClaims: Record<string, unknown>
  /** RFC 9449 §6.1: the DPoP key's thumbprint, as `cnf.jkt`, for a sender-constrained token. */
  jkt?: string
}

interface PreparedKey {
  kid: string
  key: KeyObject
  /** Encoded JOSE headers by algorithm and `typ`: constant per key, so encoded once. */
  headers: Map<string, string>
}

type Typ = 'JWT' | 'at+jwt'

const encodeHeader = (alg: SigningAlg, typ: Typ, kid?: string) =>
  Buffer.from(JSON.stringify(kid === undefined ? { alg, typ } : { alg, typ, kid })).toString(
    'base64url',
  )

/** HS256 headers carry no `kid`: the API's signing secret is the only key. */
const HS256_HEADERS = {
  JWT: encodeHeader('HS256', 'JWT'),
  'at+jwt': encodeHeader('HS256', 'at+jwt'),
}

/** The signature of `signingInput` (base64url) with the tenant's RSA key or the API's secret. */
function signatureOf(
  signingInput: string,
  alg: SigningAlg,
  rsaKey: KeyObject,
  api: ResourceServer,
): string {
  const data = Buffer.from(signingInput)
  switch (alg) {
    case 'RS256':
      return rsaSign('sha256', data, rsaKey).toString('base64url')
    case 'RS512':
      return rsaSign('sha512', data, rsaKey).toString('base64url')
    case 'PS256':
      // RFC 7518 §3.5: MGF1 with SHA-256, a salt as long as the hash.
      return rsaSign('sha256', data, {
        key: rsaKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      }).toString('base64url')
    case 'HS256':
      if (api.signing_secret === undefined) {
        throw new Error(`HS256 API ${api.identifier} has no signing secret`)
      }
      return createHmac('sha256', api.signing_secret).update(data).digest('base64url')
  }
}

/**
 * Signs access tokens as Auth0 does for client credentials, with the API's
 * `signing_alg`: RS256 (the default), RS512 or PS256 with the tenant's current
 * key and its `kid`, HS256 with the API's signing secret; the default profile
 * (`azp`, `gty: client-credentials`) or RFC 9068 (`typ: at+jwt`, `client_id`,
 * `jti`, no `gty`).
 *
 * The signature is most of what a token costs, so nothing else is redone per
 * token: the private key is parsed once into a `KeyObject` and the header is
 * encoded once per key; only the claims are serialised. The output is byte
 * for byte what fast-jwt's `createSigner` gives for the same key, header and
 * claims (checked by test/access-token.test.ts).
 */
export function createAccessTokenSigner(keys: KeyRing, issuer: string) {
  let prepared: PreparedKey | undefined
  // A rotation or revocation changes the current key or drops private keys.
  keys.onChange(() => {
    prepared = undefined
  })

  function prepare(key: SigningKey): PreparedKey {
    if (prepared?.kid !== key.kid) {
      prepared = { kid: key.kid, key: createPrivateKey(key.privateKeyPem), headers: new Map() }
    }
    return prepared
  }

  function headerOf(key: PreparedKey, alg: SigningAlg, typ: Typ): string {
    if (alg === 'HS256') return HS256_HEADERS[typ]
    const name = `${alg} ${typ}`
    let header = key.headers.get(name)
    if (header === undefined) {
      header = encodeHeader(alg, typ, key.kid)
      key.headers.set(name, header)
    }
    return header
  }

  return function sign(
    input: AccessTokenInput,
    now = Date.now(),
  ): { token: string; expiresIn: number } {
    const iat = Math.floor(now / 1000)
    const expiresIn = input.resourceServer.token_lifetime
    const dialect = input.resourceServer.token_dialect
    const rfc9068 = dialect === 'rfc9068_profile' || dialect === 'rfc9068_profile_authz'
    // Custom claims first, then Auth0's (which win): the order fast-jwt's spread gave.
    const claims: Record<string, unknown> = { ...input.customClaims }
    claims.iss = issuer
    claims.sub = `${input.clientId}@clients`
    claims.aud = input.resourceServer.identifier
    claims.iat = iat
    claims.exp = iat + expiresIn
    claims.scope = input.scopes.join(' ')
    if (rfc9068) {
      claims.client_id = input.clientId
      claims.jti = randomUUID()
    } else {
      claims.gty = 'client-credentials'
      claims.azp = input.clientId
    }
    if (dialect === 'access_token_authz' || dialect === 'rfc9068_profile_authz') {
      claims.permissions = [...input.scopes]
    }
    if (input.organization) {
      claims.org_id = input.organization.id
      if (input.withOrgName !== false) claims.org_name = input.organization.name
    }
    if (input.jkt !== undefined) claims.cnf = { jkt: input.jkt }
    const api = input.resourceServer
    const key = prepare(keys.current())
    const header = headerOf(key, api.signing_alg, rfc9068 ? 'at+jwt' : 'JWT')
    const signingInput = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    const signature = signatureOf(signingInput, api.signing_alg, key.key, api)
    return { token: `${signingInput}.${signature}`, expiresIn }
  }
}
