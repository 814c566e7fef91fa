import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  InvalidOptionError,
  JwksUnavailableError,
  TokenClaimError,
  TokenMalformedError,
} from '../src/errors.js'
import { redactToken, sanitizeErrorDescription } from '../src/fastify/error-description.js'
import { UNAVAILABLE_DESCRIPTION } from '../src/fastify/index.js'
import m2mAuth from '../src/fastify/plugin.js'
import type { TokenVerifier } from '../src/verify/types.js'
import { createTestIssuer, type TestIssuer, throwingVerifier } from './helpers/fake-verifier.js'

let issuer: TestIssuer

beforeAll(() => {
  issuer = createTestIssuer()
})

interface LoggedApp {
  app: FastifyInstance
  lines: string[]
}

/** An app whose pino logger, at trace level, writes every line into `lines`. */
async function buildApp(verifier: TokenVerifier, retryAfterSeconds?: number): Promise<LoggedApp> {
  const lines: string[] = []
  const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) })
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger })
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  )
  await app.register(m2mAuth, {
    verifier,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  })
  app.get('/geocode', { config: { scopes: ['geocode:location'] } }, async () => ({ ok: true }))
  app.post('/deliveries', async () => ({ ok: true }))
  await app.ready()
  return { app, lines }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
// RFC 6750 §3: error_description = *( %x20-21 / %x23-5B / %x5D-7E )
const DESCRIPTION_SYNTAX = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/
const descriptionIn = (header: string | undefined) =>
  /error_description="([^"]*)"/.exec(header ?? '')?.[1]

describe('sanitizeErrorDescription', () => {
  const cases: Array<[string, string, string]> = [
    [
      'keeps printable ASCII',
      'The token expired: at 12:00 (UTC)!',
      'The token expired: at 12:00 (UTC)!',
    ],
    ['turns double quotes into single quotes', 'kid "k1" unknown', "kid 'k1' unknown"],
    ['turns backslashes into slashes', 'a\\b\\\\c', 'a/b//c'],
    ['turns control characters into spaces', 'line1\nline2\r\tend\u0000', 'line1 line2  end '],
    ['turns DEL into a space', 'a\u007fb', 'a b'],
    ['turns other characters into ?', 'München 東京 😀', 'M?nchen ?? ?'],
  ]
  for (const [name, input, output] of cases) {
    it(name, () => {
      expect(sanitizeErrorDescription(input)).toBe(output)
      expect(output).toMatch(DESCRIPTION_SYNTAX)
    })
  }

  it('truncates long text to 200 characters', () => {
    const text = sanitizeErrorDescription('x'.repeat(500))
    expect(text).toBe(`${'x'.repeat(197)}...`)
  })
})

describe('redactToken', () => {
  it('removes the whole token and each long segment of it', () => {
    const token = issuer.sign()
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const text = `got ${token}; header ${header}; payload ${payload}; sig ${signature}`
    expect(redactToken(text, token)).toBe(
      'got [token]; header [token]; payload [token]; sig [token]',
    )
  })

  it('leaves short segments, which could be ordinary words', () => {
    expect(redactToken('the abc of it', 'abc.def.ghi')).toBe('the abc of it')
  })
})

describe('error_description from a verifier message', () => {
  it('never carries " or \\ into the header or the body', async () => {
    const verifier = throwingVerifier(
      () => new TokenClaimError('the "aud" claim \\ is "wrong"\nsee https://x/é'),
    )
    const { app } = await buildApp(verifier)
    const response = await app.inject({ url: '/geocode', headers: bearer('abc.def.ghi') })
    await app.close()

    const description = "The token claims are invalid: the 'aud' claim / is 'wrong' see https://x/?"
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toBe(
      `Bearer realm="api", error="invalid_token", error_description="${description}"`,
    )
    expect(response.json()).toEqual({ error: 'invalid_token', error_description: description })
    expect(descriptionIn(response.headers['www-authenticate'] as string)).toMatch(
      DESCRIPTION_SYNTAX,
    )
    expect(response.headers['www-authenticate']).not.toContain('\\')
  })

  it('has the token redacted when the verifier quotes it', async () => {
    const token = issuer.sign()
    const verifier = throwingVerifier(() => new TokenMalformedError(`cannot parse ${token}`))
    const { app } = await buildApp(verifier)
    const response = await app.inject({ url: '/geocode', headers: bearer(token) })
    await app.close()

    const description = 'The token is malformed: cannot parse [token]'
    expect(response.headers['www-authenticate']).toBe(
      `Bearer realm="api", error="invalid_token", error_description="${description}"`,
    )
    expect(response.json()).toEqual({ error: 'invalid_token', error_description: description })
  })
})

describe('a verifier that cannot decide', () => {
  const upstream = '<html>502 Bad Gateway from jwks.internal</html>'

  it('JwksUnavailableError → 503 temporarily_unavailable with Retry-After 30, no upstream body', async () => {
    const verifier = throwingVerifier(() => new JwksUnavailableError(upstream))
    const { app, lines } = await buildApp(verifier)
    const response = await app.inject({ url: '/geocode', headers: bearer(issuer.sign()) })
    await app.close()

    expect(response.statusCode).toBe(503)
    expect(response.headers['retry-after']).toBe('30')
    expect(response.headers['www-authenticate']).toBeUndefined()
    expect(response.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: UNAVAILABLE_DESCRIPTION,
    })
    expect(response.body).not.toContain('jwks.internal')
    const warning = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === 'access token cannot be verified for now')
    expect(warning).toMatchObject({ level: 40, code: 'AUTH_ERR_JWKS_UNAVAILABLE' })
  })

  it('honours retryAfterSeconds', async () => {
    const verifier = throwingVerifier(() => new JwksUnavailableError('down'))
    const { app } = await buildApp(verifier, 7)
    const response = await app.inject({ url: '/geocode', headers: bearer(issuer.sign()) })
    await app.close()

    expect(response.statusCode).toBe(503)
    expect(response.headers['retry-after']).toBe('7')
  })

  const unexpected: Array<[string, (token: string) => unknown]> = [
    ['an Error quoting the token', (token) => new Error(`boom while reading ${token}`)],
    ['a TypeError', () => new TypeError("Cannot read properties of undefined (reading 'kid')")],
    ['a thrown string', (token) => `failed: ${token}`],
    ['an AuthError with status 500', () => new InvalidOptionError('misconfigured verifier')],
  ]
  for (const [name, makeError] of unexpected) {
    it(`${name} → 503, logged at error level without the token`, async () => {
      const token = issuer.sign({ scope: 'geocode:location' })
      const verifier = throwingVerifier(() => makeError(token))
      const { app, lines } = await buildApp(verifier)
      const response = await app.inject({ url: '/geocode', headers: bearer(token) })
      await app.close()

      expect(response.statusCode).toBe(503)
      expect(response.headers['retry-after']).toBe('30')
      expect(response.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: UNAVAILABLE_DESCRIPTION,
      })
      const errors = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.level === 50)
      expect(errors).toHaveLength(1)
      expect(errors[0]?.msg).toBe('access token verification failed unexpectedly')
      expect(lines.join('\n')).not.toContain(token)
    })
  }
})

describe('logs', () => {
  let logged: LoggedApp
  const failUnexpectedly = new Set<string>()
  const failUnavailable = new Set<string>()

  beforeAll(async () => {
    const inner = issuer.verifier()
    // Fails in ways that quote the token for the tokens listed, and verifies the others.
    const verifier: TokenVerifier = {
      async verify(token) {
        if (failUnexpectedly.has(token)) throw new Error(`unexpected failure on ${token}`)
        if (failUnavailable.has(token)) throw new JwksUnavailableError(`no key for ${token}`)
        return inner.verify(token)
      },
      close: async () => {},
    }
    logged = await buildApp(verifier)
  })

  afterAll(async () => {
    await logged.app.close()
  })

  it('never contain a token, whatever the outcome', async () => {
    const other = createTestIssuer()
    const unexpected = issuer.sign({ scope: 'geocode:location', jti: 'unexpected' })
    const unavailable = issuer.sign({ scope: 'geocode:location', jti: 'unavailable' })
    failUnexpectedly.add(unexpected)
    failUnavailable.add(unavailable)
    const headerTokens = [
      issuer.sign({ scope: 'geocode:location' }),
      issuer.sign({ scope: 'other' }),
      issuer.sign({ exp: 1_000_000_000, iat: 999_990_000 }),
      other.sign({ scope: 'geocode:location' }),
      issuer.sign({ aud: 'https://other.test' }),
      unexpected,
      unavailable,
      `${issuer.sign()} ${issuer.sign()}`,
    ]
    const statuses: number[] = []
    for (const token of headerTokens) {
      const response = await logged.app.inject({ url: '/geocode', headers: bearer(token) })
      statuses.push(response.statusCode)
    }
    const both = issuer.sign()
    const form = await logged.app.inject({
      method: 'POST',
      url: '/deliveries',
      headers: { ...bearer(both), 'content-type': 'application/x-www-form-urlencoded' },
      payload: `access_token=${both}`,
    })
    statuses.push(form.statusCode)

    // Every outcome and log level was exercised, so the check below is not vacuous.
    expect(statuses).toEqual([200, 403, 401, 401, 401, 503, 503, 400, 400])
    const levels = new Set(
      logged.lines.map((line) => (JSON.parse(line) as { level: number }).level),
    )
    expect(levels).toEqual(new Set([20, 30, 40, 50]))
    const text = logged.lines.join('\n')
    for (const token of [...headerTokens.flatMap((t) => t.split(' ')), both]) {
      for (const part of [token, ...token.split('.').filter((p) => p.length >= 16)]) {
        expect(text).not.toContain(part)
      }
    }
  })
})
