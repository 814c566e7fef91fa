import { createHmac, type KeyObject, randomUUID, sign } from 'node:crypto'
import { createDpopProof, type DpopKey } from '@m2m/auth/dpop'
import { type buildTestServer, tokenRequest } from './test-server.js'
import { ISSUER } from './test-tenant.js'

type App = Awaited<ReturnType<typeof buildTestServer>>['app']

/** The `htu` of the test tenant's token endpoint. */
export const TOKEN_ENDPOINT = `${ISSUER}oauth/token`

/** A proof for `POST <issuer>oauth/token`, as a client library makes it. */
export function tokenProof(
  key: DpopKey,
  options: { nonce?: string; now?: number; htm?: string; htu?: string } = {},
): string {
  return createDpopProof(
    key,
    { htm: options.htm ?? 'POST', htu: options.htu ?? TOKEN_ENDPOINT, nonce: options.nonce },
    options.now,
  )
}

/** `POST /oauth/token` (client_secret_post, JSON) with the given `DPoP` header(s). */
export function dpopTokenRequest(
  app: App,
  clientId: string,
  proof: string | string[] | undefined,
  params: Record<string, unknown> = {},
) {
  return tokenRequest(app, clientId, params, proof === undefined ? {} : { dpop: proof })
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * A hand-made proof for attacks: any header and claims, signed with `key`
 * (ES256, P-256) whatever the header says, or with an HMAC for `HS256`, or
 * unsigned for `none`.
 */
export function craftProof(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signer: { es256?: KeyObject; hmacSecret?: string } = {},
): string {
  const input = `${b64(header)}.${b64(claims)}`
  let signature = ''
  if (signer.es256) {
    signature = sign('sha256', Buffer.from(input), {
      key: signer.es256,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url')
  } else if (signer.hmacSecret !== undefined) {
    signature = createHmac('sha256', signer.hmacSecret).update(input).digest('base64url')
  }
  return `${input}.${signature}`
}

/** Fresh proof claims for the token endpoint. */
export function proofClaims(overrides: Record<string, unknown> = {}) {
  return {
    jti: randomUUID(),
    htm: 'POST',
    htu: TOKEN_ENDPOINT,
    iat: Math.floor(Date.now() / 1000),
    ...overrides,
  }
}
