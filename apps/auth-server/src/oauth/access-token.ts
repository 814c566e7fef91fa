import { createPrivateKey, type KeyObject, randomUUID, sign as rsaSign } from 'node:crypto'
import type { KeyRing, SigningKey } from '../keys/key-ring.js'
import type { Organization, ResourceServer } from '../tenant/model.js'

export interface AccessTokenInput {
  clientId: string
  resourceServer: ResourceServer
  scopes: string[]
  organization: Organization | undefined
  customClaims: Record<string, unknown>
}

interface PreparedKey {
  kid: string
  key: KeyObject
  /** The encoded JOSE header of each dialect: constant per key, so encoded once. */
  jwtHeader: string
  atHeader: string
}

const encodeHeader = (typ: string, kid: string) =>
  Buffer.from(JSON.stringify({ alg: 'RS256', typ, kid })).toString('base64url')

/**
 * Signs access tokens as Auth0 does for client credentials: RS256 with the
 * current key's `kid`; the default profile (`azp`, `gty: client-credentials`)
 * or RFC 9068 (`typ: at+jwt`, `client_id`, `jti`, no `gty`).
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
      prepared = {
        kid: key.kid,
        key: createPrivateKey(key.privateKeyPem),
        jwtHeader: encodeHeader('JWT', key.kid),
        atHeader: encodeHeader('at+jwt', key.kid),
      }
    }
    return prepared
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
      claims.org_name = input.organization.name
    }
    const key = prepare(keys.current())
    const signingInput = `${rfc9068 ? key.atHeader : key.jwtHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    const signature = rsaSign('sha256', Buffer.from(signingInput), key.key).toString('base64url')
    return { token: `${signingInput}.${signature}`, expiresIn }
  }
}
