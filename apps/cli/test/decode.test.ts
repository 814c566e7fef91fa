import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stripColors } from '../src/format/colors.js'
import { ExitCode } from '../src/index.js'
import { runInProcess } from './helpers/run-cli.js'
import { devKeywords, startTenant, type Tenant } from './helpers/tenant.js'

let tenant: Tenant
let token: string
beforeAll(async () => {
  tenant = await startTenant()
  const res = await request(`${tenant.issuer}oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: devKeywords.STOREFRONT_CLIENT_ID,
      client_secret: devKeywords.STOREFRONT_CLIENT_SECRET,
      audience: 'urn:gift-deliveries',
    }),
  })
  token = ((await res.body.json()) as { access_token: string }).access_token
})
afterAll(async () => {
  await tenant?.close()
})

const UNVERIFIED_NOTE =
  'm2m: signature NOT verified (decoded only); use --verify to check it against the issuer\n'

describe('m2m decode', () => {
  it('prints header and payload, marks the expiry, and says it is unverified', async () => {
    const now = Date.now()
    const result = await runInProcess(['decode', token], { now: () => now })
    expect(result.code).toBe(ExitCode.OK)
    expect(result.stderr).toBe(UNVERIFIED_NOTE)
    const out = JSON.parse(result.stdout)
    expect(out.header).toMatchObject({ alg: 'RS256', typ: 'JWT' })
    expect(out.payload).toMatchObject({ azp: 'storefront-dev', aud: 'urn:gift-deliveries' })
    expect(out.verified).toBe(false)
    expect(out.expiry).toMatchObject({
      expiresAt: new Date(out.payload.exp * 1000).toISOString(),
      expired: false,
    })
    expect(out.expiry.text).toMatch(/^expires .* \(in 2[34]h \d+m\)$/)
  })

  it('on a terminal the JSON is coloured, and is the same JSON without the colours', async () => {
    const now = Date.now()
    const piped = await runInProcess(['decode', token], { now: () => now })
    const tty = await runInProcess(['decode', token], { tty: true, now: () => now })
    expect(tty.stdout).toContain('\u001b[36m"header"\u001b[39m: {')
    expect(stripColors(tty.stdout)).toBe(piped.stdout)
    const plainEnvs: Record<string, string>[] = [{ NO_COLOR: '1' }, { TERM: 'dumb' }]
    for (const env of plainEnvs) {
      const plain = await runInProcess(['decode', token], { tty: true, env, now: () => now })
      expect(plain.stdout).toBe(piped.stdout)
    }
  })

  it('marks an expired token', async () => {
    const twoDaysLater = Date.now() + 2 * 86_400_000
    const result = await runInProcess(['decode', token], { now: () => twoDaysLater })
    const out = JSON.parse(result.stdout)
    expect(out.expiry.expired).toBe(true)
    expect(out.expiry.text).toMatch(/^EXPIRED .* \(1d \d+h ago\)$/)
  })

  it('reads the token from standard input with -', async () => {
    const result = await runInProcess(['decode', '-'], { stdin: `${token}\n` })
    expect(result.code).toBe(ExitCode.OK)
    expect(JSON.parse(result.stdout).payload.azp).toBe('storefront-dev')
  })

  it('--verify checks the signature against the issuer JWKS', async () => {
    const result = await runInProcess(['decode', token, '--verify', '--issuer', tenant.issuer])
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(JSON.parse(result.stdout).verified).toBe(true)
  })

  it('--verify refuses a token whose payload was changed (exit 3), without quoting it', async () => {
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const forged = [
      header,
      Buffer.from(JSON.stringify({ ...claims, scope: 'admin' })).toString('base64url'),
      signature,
    ].join('.')
    const result = await runInProcess(['decode', forged, '--verify', '--issuer', tenant.issuer])
    expect(result).toMatchObject({
      code: ExitCode.AUTH,
      stdout: '',
      stderr: 'm2m: The token signature is invalid\n',
    })
  })

  it('--verify refuses a token from another issuer (exit 3)', async () => {
    const result = await runInProcess([
      'decode',
      token,
      '--verify',
      '--issuer',
      `${tenant.issuer}other/`,
    ])
    expect(result.code).toBe(ExitCode.AUTH)
    expect(result.stderr).toMatch(/^m2m: .*\n$/)
    expect(result.stderr).not.toContain(token)
  })

  it('--verify with another --audience refuses the token (exit 3)', async () => {
    const result = await runInProcess([
      'decode',
      token,
      '--verify',
      '--issuer',
      tenant.issuer,
      '--audience',
      'urn:worldmappers',
    ])
    expect(result.code).toBe(ExitCode.AUTH)
    expect(result.stderr).toMatch(/^m2m: The token claims are invalid: .*aud/)
  })

  for (const [name, input] of [
    ['not a JWT', 'hello'],
    ['a payload that is not JSON', 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln'],
    ['an empty token', '   '],
  ] as const) {
    it(`usage error (2): ${name}`, async () => {
      const result = await runInProcess(['decode', input])
      expect(result.code).toBe(ExitCode.USAGE)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/^m2m: (not a JWT: |<jwt> is empty)/)
    })
  }
})
