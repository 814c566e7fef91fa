import { createDpopKey, createDpopProof, type DpopKey } from '@m2m/auth/dpop'
import { request } from 'undici'
import { tamperToken } from '../checks/tamper.js'
import { BENCH_DPOP_AUDIENCE, type BenchTenant, CLIENTS, secretOf } from '../runner/bench-tenant.js'

const decodePayload = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    cnf?: { jkt?: string }
  }

/**
 * A DPoP-bound token from the tenant's `/oauth/token` (RFC 9449 §5): the
 * exchange of `bench-dpop` for the DPoP-allowed bench API, with a proof of
 * `key`. Throws unless the tenant answered `token_type: DPoP` and bound the
 * token to the key (`cnf.jkt`).
 */
export async function boundToken(tenant: BenchTenant, key: DpopKey): Promise<string> {
  const url = `${tenant.issuer}oauth/token`
  const response = await request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      dpop: createDpopProof(key, { htm: 'POST', htu: url }),
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENTS.dpop,
      client_secret: secretOf(CLIENTS.dpop),
      audience: BENCH_DPOP_AUDIENCE,
    }).toString(),
  })
  const body = (await response.body.json()) as {
    access_token?: string
    token_type?: string
    error?: string
  }
  if (response.statusCode !== 200 || !body.access_token) {
    throw new Error(`the tenant refused a DPoP token: ${response.statusCode} ${body.error}`)
  }
  if (body.token_type !== 'DPoP' || decodePayload(body.access_token).cnf?.jkt !== key.jkt) {
    throw new Error(
      `the tenant issued a ${body.token_type} token not bound to the proof's key (cnf.jkt)`,
    )
  }
  return body.access_token
}

export interface DpopCheck {
  /** The route, as the client reaches it (the proofs' `htu`). */
  url: string
  key: DpopKey
  /** Bound to `key`. */
  boundToken: string
  /** A bearer token for the same API: the same route takes it too. */
  bearerToken: string
  /** The exact body of an accepted request. */
  body200: string
}

/**
 * Proves the DPoP route accepts a bound token with a fresh proof, and a
 * bearer token, and refuses with 401: the same proof again (replay), the
 * bound token sent as a bearer token, a proof for another URL, a proof by
 * another key, the token tampered with (its proof's `ath` made for it), and
 * no token. Throws naming what failed: the side is then not measured.
 */
export async function checkDpopEndpoint(check: DpopCheck): Promise<void> {
  const send = async (headers: Record<string, string>) => {
    const response = await request(check.url, { method: 'GET', headers })
    return { status: response.statusCode, body: await response.body.text() }
  }
  const proof = (options: { key?: DpopKey; htu?: string; token?: string } = {}) =>
    createDpopProof(options.key ?? check.key, {
      htm: 'GET',
      htu: options.htu ?? check.url,
      accessToken: options.token ?? check.boundToken,
    })
  const dpop = `DPoP ${check.boundToken}`
  const once = proof()
  const accepted = await send({ authorization: dpop, dpop: once })
  if (accepted.status !== 200 || accepted.body !== check.body200) {
    throw new Error(
      `DPoP token and proof: expected 200 ${check.body200}, got ${accepted.status} ${accepted.body.slice(0, 200)}`,
    )
  }
  const bearer = await send({ authorization: `Bearer ${check.bearerToken}` })
  if (bearer.status !== 200 || bearer.body !== check.body200) {
    throw new Error(`bearer token on the DPoP route: expected 200, got ${bearer.status}`)
  }
  const tampered = tamperToken(check.boundToken)
  const refusals: Array<[string, Record<string, string>]> = [
    ['the same proof again (replay)', { authorization: dpop, dpop: once }],
    ['the bound token as a bearer token', { authorization: `Bearer ${check.boundToken}` }],
    ['the bound token with no proof', { authorization: dpop }],
    [
      'a proof for another URL',
      { authorization: dpop, dpop: proof({ htu: new URL('/other', check.url).href }) },
    ],
    ['a proof by another key', { authorization: dpop, dpop: proof({ key: createDpopKey() }) }],
    [
      'the token tampered with',
      { authorization: `DPoP ${tampered}`, dpop: proof({ token: tampered }) },
    ],
    ['no token', {}],
  ]
  for (const [what, headers] of refusals) {
    const answer = await send(headers)
    if (answer.status !== 401) throw new Error(`${what}: expected 401, got ${answer.status}`)
  }
}
