import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import fc from 'fast-check'
import { createVerifier } from 'fast-jwt'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AuthError } from '../src/errors.js'
import {
  type ClientAssertionAlgorithm,
  createMemoryTokenCache,
  createTokenProvider,
  readClientAssertionKey,
  type TokenProvider,
  type TokenProviderOptions,
} from '../src/token/index.js'
import { startTokenServer, type TokenServer } from './helpers/token-server.js'

// Generated once for the file: RSA key generation is slow.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pkcs8Pem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
const pkcs1Pem = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string
const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string
const encryptedPem = rsa.privateKey.export({
  type: 'pkcs8',
  format: 'pem',
  cipher: 'aes-256-cbc',
  passphrase: 'correct horse',
}) as string
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
const smallRsa = generateKeyPairSync('rsa', { modulusLength: 1024 })

/** Pieces of the private key as they could show up in a leak: PEM lines, its middle. */
const keyMaterial = [
  pkcs8Pem.split('\n')[5] as string,
  pkcs1Pem.split('\n')[5] as string,
  pkcs8Pem.slice(600, 660),
]
const JWT = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\./

const clientId = 'gift-deliveries'
let server: TokenServer
let clock: number
const providers: TokenProvider[] = []

beforeEach(async () => {
  server = await startTokenServer()
  clock = Date.UTC(2026, 0, 1, 12, 0, 0, 250)
})

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()))
  await server.close()
})

/** A provider on the test server that signs assertions with the test key; manual clock, instant sleep. */
function provider(overrides: Partial<TokenProviderOptions> = {}): TokenProvider {
  const p = createTokenProvider({
    issuer: server.issuer,
    tokenEndpoint: server.tokenEndpoint,
    clientId,
    clientAssertionSigningKey: pkcs8Pem,
    audience: 'urn:worldmappers',
    now: () => clock,
    sleep: async (ms) => {
      clock += ms
    },
    random: () => 0.5,
    ...overrides,
  })
  providers.push(p)
  return p
}

/** The assertion of token request `index`, checked by fast-jwt against the public key. */
function verifiedAssertion(
  index: number,
  {
    algorithm = 'RS256',
    audience = server.issuer,
  }: { algorithm?: ClientAssertionAlgorithm; audience?: string } = {},
) {
  const assertion = server.requests[index]?.params.client_assertion
  expect(assertion).toBeTypeOf('string')
  const verify = createVerifier({
    key: publicPem,
    algorithms: [algorithm],
    complete: true,
    allowedIss: clientId,
    allowedSub: clientId,
    allowedAud: audience,
    requiredClaims: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti'],
    clockTimestamp: clock,
  })
  return verify(assertion as string) as {
    header: Record<string, unknown>
    payload: Record<string, unknown> & { iat: number; exp: number; jti: string }
  }
}

const jtis = (from = 0) => server.requests.slice(from).map((r) => jtiOf(r.params.client_assertion))
const jtiOf = (assertion: string | undefined) =>
  JSON.parse(Buffer.from(String(assertion).split('.')[1] as string, 'base64url').toString()).jti

describe('private_key_jwt: the token request', () => {
  it('carries a signed assertion and no secret: iss = sub = client, aud = tenant URL, 60 s, jti', async () => {
    const p = provider()
    expect(await p.getToken()).toBe('token-1')
    const [request] = server.requests
    expect(request?.contentType).toBe('application/x-www-form-urlencoded')
    expect(request?.headers.authorization).toBeUndefined()
    expect(Object.keys(request?.params ?? {}).sort()).toEqual([
      'audience',
      'client_assertion',
      'client_assertion_type',
      'client_id',
      'grant_type',
    ])
    expect(request?.params).toMatchObject({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      audience: 'urn:worldmappers',
    })
    const { header, payload } = verifiedAssertion(0)
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' })
    expect(payload).toEqual({
      iss: clientId,
      sub: clientId,
      aud: server.issuer,
      iat: Math.floor(clock / 1000),
      exp: Math.floor(clock / 1000) + 60,
      jti: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
    })
  })

  it('sends it in a JSON body when asked, with scope and organization', async () => {
    const p = provider({ encoding: 'json', scope: 'directions', organization: 'acme' })
    await p.getToken()
    const [request] = server.requests
    expect(request?.contentType).toBe('application/json')
    expect(request?.params).toMatchObject({
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      scope: 'directions',
      organization: 'acme',
    })
    expect(request?.params.client_secret).toBeUndefined()
    expect(verifiedAssertion(0).payload.exp - verifiedAssertion(0).payload.iat).toBe(60)
  })

  it('addresses the assertion to https://<domain>/, wherever the token endpoint is', async () => {
    await provider({ issuer: undefined, domain: 'tenant.auth0.com' }).getToken()
    await provider({ issuer: 'https://login.example.com/tenants/a/' }).getToken()
    expect(verifiedAssertion(0, { audience: 'https://tenant.auth0.com/' }).payload.aud).toBe(
      'https://tenant.auth0.com/',
    )
    expect(verifiedAssertion(1, { audience: 'https://login.example.com/' }).payload.aud).toBe(
      'https://login.example.com/',
    )
  })

  it('puts the key id in the kid header when given', async () => {
    await provider({ clientAssertionKeyId: 'cred_2024-rotation' }).getToken()
    expect(verifiedAssertion(0).header).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: 'cred_2024-rotation',
    })
  })

  const keyForms: Array<[string, string | KeyObject]> = [
    ['a PKCS#8 PEM', pkcs8Pem],
    ['a PKCS#1 PEM', pkcs1Pem],
    ['a KeyObject', rsa.privateKey],
  ]
  for (const [name, key] of keyForms) {
    it(`takes the key as ${name}`, async () => {
      await provider({ clientAssertionSigningKey: key }).getToken()
      expect(verifiedAssertion(0).payload.sub).toBe(clientId)
    })
  }

  for (const algorithm of ['RS256', 'RS384', 'PS256'] as const) {
    it(`signs with ${algorithm} when asked, verifiable with the public key`, async () => {
      await provider({ clientAssertionSigningAlg: algorithm }).getToken()
      expect(verifiedAssertion(0, { algorithm }).header.alg).toBe(algorithm)
      // Not accepted under another algorithm: the header tells the truth.
      const other = algorithm === 'RS256' ? 'RS384' : 'RS256'
      expect(() => verifiedAssertion(0, { algorithm: other })).toThrow()
    })
  }

  it('shares the cache key, and the tokens, of the same client with a secret', async () => {
    const cache = createMemoryTokenCache({ now: () => clock })
    const withSecret = provider({
      clientAssertionSigningKey: undefined,
      clientSecret: 'a-secret-0123456789',
      cache,
    })
    const withKey = provider({ cache })
    expect(withKey.cacheKey).toBe(withSecret.cacheKey)
    expect(await withSecret.getToken()).toBe('token-1')
    expect(await withKey.getToken()).toBe('token-1')
    expect(server.tokenRequests).toBe(1)
  })
})

describe('private_key_jwt: a new assertion for every request', () => {
  it('signs a new one (new jti, new iat) when the token expired', async () => {
    const p = provider()
    expect(await p.getToken()).toBe('token-1')
    const first = verifiedAssertion(0).payload
    clock += 3600 * 1000
    expect(await p.getToken()).toBe('token-2')
    const second = verifiedAssertion(1).payload
    expect(second.jti).not.toBe(first.jti)
    expect(second.iat).toBe(first.iat + 3600)
  })

  it('signs a new one for a background refresh in the soft window', async () => {
    const p = provider()
    await p.getToken()
    clock += (3600 - 300) * 1000
    expect(await p.getToken()).toBe('token-1')
    for (let i = 0; i < 200 && p.metrics.exchanges < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(server.tokenRequests).toBe(2)
    expect(new Set(jtis()).size).toBe(2)
    verifiedAssertion(1)
  })

  it('signs a new one for a retry after a 5xx: an assertion is never sent twice', async () => {
    server.reply({ status: 503 }, { status: 500 })
    const p = provider()
    expect(await p.getToken()).toBe('token-1')
    expect(server.tokenRequests).toBe(3)
    expect(new Set(jtis()).size).toBe(3)
    for (const index of [0, 1, 2]) verifiedAssertion(index)
  })

  it('signs a new one after invalidate (a 401 from the API)', async () => {
    const p = provider()
    await p.invalidate(await p.getToken())
    await p.getToken()
    expect(new Set(jtis()).size).toBe(2)
  })

  it('N exchanges carry N distinct jti (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), async (n) => {
        const from = server.requests.length
        const p = provider()
        for (let i = 0; i < n; i++) await p.invalidate(await p.getToken())
        const seen = jtis(from)
        expect(seen).toHaveLength(n)
        expect(new Set(seen).size).toBe(n)
      }),
      { numRuns: 25 },
    )
  })
})

describe('private_key_jwt: options', () => {
  const cases: Array<[string, Partial<TokenProviderOptions>, RegExp]> = [
    [
      'a secret and a key',
      { clientSecret: 'a-secret-0123456789' },
      /give clientSecret or clientAssertionSigningKey, not both/,
    ],
    [
      'neither a secret nor a key',
      { clientAssertionSigningKey: undefined },
      /clientSecret or clientAssertionSigningKey is required/,
    ],
    [
      'an EC private key (KeyObject)',
      { clientAssertionSigningKey: ec.privateKey },
      /clientAssertionSigningKey is not an RSA key \(its type is ec\); a private RSA key is required/,
    ],
    [
      'an EC private key (PEM)',
      { clientAssertionSigningKey: ecPem },
      /clientAssertionSigningKey is not an RSA key \(its type is ec\)/,
    ],
    [
      'an RSA public key (KeyObject)',
      { clientAssertionSigningKey: rsa.publicKey },
      /clientAssertionSigningKey is a public key, not a private key/,
    ],
    [
      'an RSA public key (PEM)',
      { clientAssertionSigningKey: publicPem },
      /clientAssertionSigningKey is a public key, not a private key/,
    ],
    [
      'a secret KeyObject',
      { clientAssertionSigningKey: createSecretKey(Buffer.alloc(32, 7)) },
      /clientAssertionSigningKey is a secret key, not a private key/,
    ],
    [
      'a 1024-bit RSA key',
      { clientAssertionSigningKey: smallRsa.privateKey },
      /is a 1024-bit RSA key; at least 2048 bits are required/,
    ],
    [
      'text that is no PEM key',
      { clientAssertionSigningKey: 'not-a-key-0123456789' },
      /clientAssertionSigningKey is not a PEM private key/,
    ],
    [
      'an encrypted PEM',
      { clientAssertionSigningKey: encryptedPem },
      /clientAssertionSigningKey is an encrypted private key: decrypt it first/,
    ],
    [
      'a key that is neither text nor a KeyObject',
      { clientAssertionSigningKey: Buffer.from(pkcs8Pem) as never },
      /clientAssertionSigningKey must be a PEM string or a KeyObject/,
    ],
    [
      'alg HS256',
      { clientAssertionSigningAlg: 'HS256' as never },
      /clientAssertionSigningAlg must be RS256, RS384 or PS256, got HS256/,
    ],
    ['alg ES256', { clientAssertionSigningAlg: 'ES256' as never }, /must be RS256, RS384 or PS256/],
    ['alg RS512', { clientAssertionSigningAlg: 'RS512' as never }, /must be RS256, RS384 or PS256/],
    ['alg rs256', { clientAssertionSigningAlg: 'rs256' as never }, /must be RS256, RS384 or PS256/],
    ['alg none', { clientAssertionSigningAlg: 'none' as never }, /must be RS256, RS384 or PS256/],
    [
      'an alg with a secret',
      {
        clientAssertionSigningKey: undefined,
        clientSecret: 'a-secret-0123456789',
        clientAssertionSigningAlg: 'RS256',
      },
      /clientAssertionSigningAlg needs clientAssertionSigningKey/,
    ],
    [
      'a key id with a secret',
      {
        clientAssertionSigningKey: undefined,
        clientSecret: 'a-secret-0123456789',
        clientAssertionKeyId: 'k1',
      },
      /clientAssertionKeyId needs clientAssertionSigningKey/,
    ],
    [
      'an empty key id',
      { clientAssertionKeyId: ' ' },
      /clientAssertionKeyId must be a non-empty string/,
    ],
    [
      'authMethod with a key',
      { authMethod: 'client_secret_basic' },
      /authMethod applies to clientSecret only/,
    ],
  ]
  for (const [name, overrides, message] of cases) {
    it(`rejects ${name}, naming the option and showing no key`, () => {
      let error: unknown
      try {
        provider(overrides)
      } catch (thrown) {
        error = thrown
      }
      expect(error).toBeInstanceOf(AuthError)
      expect(error).toMatchObject({ code: 'AUTH_ERR_INVALID_OPTION' })
      expect((error as Error).message).toMatch(message)
      const texts = [
        (error as Error).message,
        String((error as Error).stack),
        JSON.stringify(error),
      ]
      for (const text of texts) {
        expect(text).not.toContain('-----BEGIN')
        for (const piece of keyMaterial) expect(text).not.toContain(piece)
      }
    })
  }
})

describe('private_key_jwt: secrets', () => {
  it('puts no key and no assertion in logs or errors, even when the server echoes the assertion', async () => {
    const lines: string[] = []
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk))
          done()
        },
      }),
    )
    const p = provider({ logger, retry: { attempts: 2 }, failureCooldownMs: 0 })
    // A retried 5xx (logged at debug), then a 401 whose description echoes the assertion.
    server.reply({ status: 503, body: { error: 'temporarily_unavailable' } })
    server.onTokenRequest(() => {
      if (server.tokenRequests !== 2) return
      const echoed = server.requests[1]?.params.client_assertion
      server.reply({
        status: 401,
        body: { error: 'invalid_client', error_description: `assertion ${echoed} refused` },
      })
    })
    const error = (await p.getToken().catch((e: unknown) => e)) as Error
    expect(error).toMatchObject({ code: 'AUTH_ERR_TOKEN_ENDPOINT', status: 401 })
    expect(error.message).toBe(
      'The token endpoint answered 401: invalid_client (assertion [redacted] refused)',
    )
    // A background refresh that fails is logged as a warning.
    await p.getToken()
    clock += 3500 * 1000
    server.reply({ status: 500 }, { status: 500 })
    await p.getToken()
    for (let i = 0; i < 200 && p.metrics.failures < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(lines.join('')).toContain('token request failed; retrying')
    expect(lines.join('')).toContain('background token refresh failed')

    const assertions = server.requests.map((r) => r.params.client_assertion as string)
    expect(assertions).toHaveLength(5)
    const texts = [...lines, error.message, String(error.stack), JSON.stringify(error)]
    for (const text of texts) {
      expect(text).not.toMatch(JWT)
      expect(text).not.toContain('-----BEGIN')
      for (const piece of [...keyMaterial, ...assertions]) expect(text).not.toContain(piece)
    }
  })

  it('warns about plain http naming the assertion, not a secret', () => {
    const warnings: string[] = []
    provider({
      issuer: 'http://auth.example.com/',
      logger: { debug() {}, warn: (_obj, msg) => warnings.push(String(msg)) },
    })
    expect(warnings).toEqual([
      'issuer uses plain http outside loopback: the client assertion travels unencrypted',
    ])
  })
})

describe('readClientAssertionKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'm2m-assertion-key-'))
  const file = (name: string, text: string) => {
    const path = join(dir, name)
    writeFileSync(path, text)
    return path
  }

  it('reads a PEM private RSA key file into a KeyObject a provider signs with', async () => {
    const key = readClientAssertionKey(file('key.pem', pkcs8Pem))
    expect(key.type).toBe('private')
    expect(key.equals(rsa.privateKey)).toBe(true)
    await provider({ clientAssertionSigningKey: key }).getToken()
    verifiedAssertion(0)
  })

  const failures: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => join(dir, 'missing.pem'), /: cannot read .*missing\.pem \(ENOENT\)$/],
    ['a directory', () => dir, /: cannot read .* \(EISDIR\)$/],
    [
      'a file that is no key',
      () => file('notes.txt', 'not-a-key-but-some-private-notes-42\n'),
      /notes\.txt is not a PEM private key; a private RSA key is required$/,
    ],
    [
      'a public key file',
      () => file('public.pem', publicPem),
      /public\.pem is a public key, not a private key/,
    ],
    ['an EC key file', () => file('ec.pem', ecPem), /ec\.pem is not an RSA key \(its type is ec\)/],
    [
      'an encrypted key file',
      () => file('encrypted.pem', encryptedPem),
      /encrypted\.pem is an encrypted private key/,
    ],
  ]
  for (const [name, path, message] of failures) {
    it(`refuses ${name}, naming the variable and the path, never the content`, () => {
      const target = path()
      let error: unknown
      try {
        readClientAssertionKey(target, 'AUTH0_CLIENT_ASSERTION_SIGNING_KEY')
      } catch (thrown) {
        error = thrown
      }
      expect(error).toMatchObject({ code: 'AUTH_ERR_INVALID_OPTION' })
      const text = (error as Error).message
      expect(text).toMatch(message)
      expect(text).toContain('AUTH0_CLIENT_ASSERTION_SIGNING_KEY: ')
      expect(text).toContain(target)
      expect(text).not.toContain('private-notes')
      expect(text).not.toContain('-----BEGIN')
    })
  }

  it('names the option by default, and refuses an empty path', () => {
    expect(() => readClientAssertionKey(join(dir, 'nope.pem'))).toThrow(
      /clientAssertionSigningKey: cannot read/,
    )
    expect(() => readClientAssertionKey('')).toThrow(
      /clientAssertionSigningKey must be the path of a PEM private key file/,
    )
  })
})
