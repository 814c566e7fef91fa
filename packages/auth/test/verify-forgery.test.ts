import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateRsaKey, type JwksServer, startJwksServer } from './helpers/jwks-server.js'
import {
  encodeSegment,
  flipSignatureBit,
  forgeJwt,
  replacePayload,
  signJwt,
} from './helpers/sign-jwt.js'
import { expectAuthError, harnessPerTest } from './helpers/verify-harness.js'

const key = generateRsaKey('key-1')
const attackerKey = generateRsaKey('attacker-key')
const h = harnessPerTest(key)

describe('algorithm confusion', () => {
  for (const alg of ['none', 'None', 'NONE']) {
    it(`refuses an unsigned token with alg ${alg}`, async () => {
      const token = signJwt({ header: { alg, kid: key.kid }, payload: h.claims() })
      expect(token.endsWith('.')).toBe(true)
      await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_ALGORITHM', 401, /none/i)
      expect(h.server.hits).toBe(0)
    })
  }

  it('refuses alg none even with RS256 and RS512 allowed and a signature attached', async () => {
    const valid = h.sign(key)
    const token = `${encodeSegment({ alg: 'none', kid: key.kid })}.${valid.split('.')[1]}.${valid.split('.')[2]}`
    const verifier = h.verifier({ algorithms: ['RS256', 'RS512'] })
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_TOKEN_ALGORITHM', 401)
  })

  // The classic key confusion: the public key, known to all, used as an HMAC secret.
  const publicKeySecrets: Array<[string, () => string]> = [
    ['PEM', () => key.publicPem],
    ['PEM without its trailing newline', () => key.publicPem.trimEnd()],
    ['JWK JSON', () => JSON.stringify(key.jwk)],
  ]
  for (const [name, secret] of publicKeySecrets) {
    it(`refuses HS256 signed with the RSA public key ${name} as secret`, async () => {
      const token = signJwt({
        header: { alg: 'HS256', kid: key.kid },
        payload: h.claims(),
        key: secret(),
      })
      await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_ALGORITHM', 401, /HS256/)
    })
  }

  it('refuses a token whose header says RS512 when only RS256 is allowed', async () => {
    const token = signJwt({
      header: { alg: 'RS512', kid: key.kid },
      payload: h.claims(),
      key: key.privateKey,
      signWith: 'RS256',
    })
    await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_ALGORITHM', 401, /RS512/)
  })

  it('refuses an RS512 token, honestly signed, when only RS256 is allowed', async () => {
    const token = h.sign(key, {}, { alg: 'RS512' })
    const verifier = h.verifier()
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_TOKEN_ALGORITHM', 401)
  })

  it('refuses RS512 for a key whose JWK pins alg RS256, even when RS512 is allowed', async () => {
    const token = h.sign(key, {}, { alg: 'RS512' })
    const verifier = h.verifier({ algorithms: ['RS256', 'RS512'] })
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_TOKEN_ALGORITHM', 401)
  })

  it('refuses a header alg that differs from the signing alg when both are allowed', async () => {
    const { alg: _pinned, ...unpinned } = key.jwk
    h.server.setKeys(unpinned)
    const token = signJwt({
      header: { alg: 'RS512', kid: key.kid },
      payload: h.claims(),
      key: key.privateKey,
      signWith: 'RS256',
    })
    const verifier = h.verifier({ algorithms: ['RS256', 'RS512'] })
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_TOKEN_SIGNATURE', 401)
    const honest = h.sign(key, {}, { alg: 'RS512' })
    const result = await verifier.verify(honest)
    expect(result.header.alg).toBe('RS512')
  })
})

describe('tampering', () => {
  it('refuses a token whose payload was changed', async () => {
    const token = replacePayload(h.sign(key), h.claims({ scope: 'admin' }))
    await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_SIGNATURE', 401)
  })

  it('refuses a token whose signature was changed', async () => {
    const token = flipSignatureBit(h.sign(key))
    await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_SIGNATURE', 401)
  })

  it('refuses a token whose signature was removed', async () => {
    const token = h.sign(key).replace(/[^.]+$/, '')
    await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_MALFORMED', 401)
  })

  it('refuses a token signed by another key under a known kid', async () => {
    const token = signJwt({
      header: { alg: 'RS256', kid: key.kid },
      payload: h.claims(),
      key: attackerKey.privateKey,
    })
    await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_SIGNATURE', 401)
  })

  it('refuses a token with a critical header extension it does not understand', async () => {
    const token = h.sign(key, {}, { crit: ['exp-policy'], 'exp-policy': 'strict' })
    await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_MALFORMED', 401, /crit/i)
  })

  it('refuses a token whose payload is not JSON', async () => {
    const [header, , signature] = h.sign(key).split('.')
    const token = `${header}.${Buffer.from('not json').toString('base64url')}.${signature}`
    await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_MALFORMED', 401)
  })
})

describe('keys are taken from the configured JWKS only', () => {
  it('refuses a token with an unknown kid with 401, not 503', async () => {
    const verifier = h.verifier()
    const token = forgeJwt({ alg: 'RS256', kid: 'no-such-key' }, h.claims())
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_UNKNOWN_KEY', 401, /unknown key/)
    expect(h.server.hits).toBe(1)
  })

  it('refuses a token without a kid', async () => {
    const token = signJwt({ header: { alg: 'RS256' }, payload: h.claims(), key: key.privateKey })
    await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_MALFORMED', 401, /kid/)
    expect(h.server.hits).toBe(0)
  })

  describe('headers that point at another key', () => {
    let attacker: JwksServer

    beforeEach(async () => {
      attacker = await startJwksServer(attackerKey)
    })

    afterEach(async () => {
      await attacker.close()
    })

    const pointers: Array<[string, () => Record<string, unknown>]> = [
      ['jku', () => ({ jku: attacker.jwksUri })],
      ['x5u', () => ({ x5u: `${attacker.issuer}cert.pem` })],
      ['jwk', () => ({ jwk: attackerKey.jwk })],
      [
        'x5c',
        () => ({
          x5c: [attackerKey.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
        }),
      ],
    ]
    for (const [member, header] of pointers) {
      it(`ignores ${member} with the attacker's kid: unknown key, nothing fetched from there`, async () => {
        const token = h.sign(attackerKey, {}, header())
        await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_UNKNOWN_KEY', 401)
        expect(attacker.requests).toBe(0)
        expect(h.server.hits).toBe(1)
      })

      it(`ignores ${member} with a known kid: the JWKS key refuses the signature`, async () => {
        const token = h.sign(attackerKey, {}, { kid: key.kid, ...header() })
        await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_SIGNATURE', 401)
        expect(attacker.requests).toBe(0)
      })
    }
  })
})

describe('malformed input', () => {
  const notStrings: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { token: 'x' }],
    ['a Buffer', Buffer.from('a.b.c')],
  ]
  for (const [name, value] of notStrings) {
    it(`refuses ${name} instead of a string`, async () => {
      await expectAuthError(
        h.verifier().verify(value as string),
        'AUTH_ERR_TOKEN_MALFORMED',
        401,
        /not a string/,
      )
    })
  }

  const header = (value: unknown) => encodeSegment(value)
  const shapes: Array<[string, string]> = [
    ['an empty string', ''],
    ['one segment', 'abc'],
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
    ['a JWE-like five segments', 'a.b.c.d.e'],
    ['standard base64 characters', 'ab+/.cd==.ef'],
    ['spaces around it', ` ${encodeSegment({ alg: 'RS256', kid: 'key-1' })}.e30.sig `],
    ['a header that is not JSON', `${Buffer.from('{oops').toString('base64url')}.e30.sig`],
    ['a header that is a JSON array', `${header(['RS256'])}.e30.sig`],
    ['a header that is JSON null', `${header(null)}.e30.sig`],
    ['a header without alg', `${header({ kid: 'key-1' })}.e30.sig`],
    ['a header whose kid is a number', `${header({ alg: 'RS256', kid: 1 })}.e30.sig`],
  ]
  for (const [name, token] of shapes) {
    it(`refuses ${name}`, async () => {
      await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_MALFORMED', 401)
      expect(h.server.hits).toBe(0)
    })
  }

  it('refuses a token longer than the default 8,192 characters before any work', async () => {
    const token = h.sign(key, { padding: randomBytes(6_200).toString('base64url') })
    expect(token.length).toBeGreaterThan(8_192)
    await expectAuthError(
      h.verifier().verify(token),
      'AUTH_ERR_TOKEN_MALFORMED',
      401,
      /longer than 8192/,
    )
    expect(h.server.hits).toBe(0)
  })

  it('honours maxTokenLength', async () => {
    const token = h.sign(key)
    const verifier = h.verifier({ maxTokenLength: token.length - 1 })
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_TOKEN_MALFORMED', 401, /longer/)
    const roomy = h.verifier({ maxTokenLength: token.length })
    const result = await roomy.verify(token)
    expect(result.header.kid).toBe(key.kid)
  })
})
