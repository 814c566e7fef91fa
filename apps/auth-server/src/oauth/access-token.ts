import { randomUUID } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import type { KeyRing, SigningKey } from '../keys/key-ring.js'
import type { Organization, ResourceServer } from '../tenant/model.js'

export interface AccessTokenInput {
  clientId: string
  resourceServer: ResourceServer
  scopes: string[]
  organization: Organization | undefined
  customClaims: Record<string, unknown>
}

/**
 * Signs access tokens as Auth0 does for client credentials: RS256 with the
 * current key's `kid`; the default profile (`azp`, `gty: client-credentials`)
 * or RFC 9068 (`typ: at+jwt`, `client_id`, `jti`, no `gty`).
 */
export function createAccessTokenSigner(keys: KeyRing, issuer: string) {
  type SignFn = (payload: Record<string, unknown>) => string
  const signers = new Map<string, { jwt: SignFn; at: SignFn }>()

  function signersFor(key: SigningKey): { jwt: SignFn; at: SignFn } {
    const known = signers.get(key.kid)
    if (known) return known
    const base = { key: key.privateKeyPem, algorithm: 'RS256' as const, kid: key.kid }
    const pair = {
      jwt: createSigner({ ...base, header: { alg: 'RS256', typ: 'JWT' } }),
      at: createSigner({ ...base, header: { alg: 'RS256', typ: 'at+jwt' } }),
    }
    signers.set(key.kid, pair)
    return pair
  }

  return function sign(
    input: AccessTokenInput,
    now = Date.now(),
  ): { token: string; expiresIn: number } {
    const iat = Math.floor(now / 1000)
    const expiresIn = input.resourceServer.token_lifetime
    const rfc9068 = input.resourceServer.token_dialect === 'rfc9068_profile'
    const claims: Record<string, unknown> = {
      ...input.customClaims,
      iss: issuer,
      sub: `${input.clientId}@clients`,
      aud: input.resourceServer.identifier,
      iat,
      exp: iat + expiresIn,
      scope: input.scopes.join(' '),
      ...(rfc9068
        ? { client_id: input.clientId, jti: randomUUID() }
        : { gty: 'client-credentials', azp: input.clientId }),
      ...(input.organization
        ? { org_id: input.organization.id, org_name: input.organization.name }
        : {}),
    }
    const pair = signersFor(keys.current())
    return { token: (rfc9068 ? pair.at : pair.jwt)(claims), expiresIn }
  }
}
