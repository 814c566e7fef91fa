import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../src/index.js'
import { startAssertionEndpoint } from './helpers/assertion-endpoint.js'
import { runInProcess, spawnCli, tempDir } from './helpers/run-cli.js'

// Generated once for the file: RSA key generation is slow.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string
const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString()
const keyLine = privatePem.split('\n')[3] as string
const notes = 'these-are-private-notes-not-a-key-42'

const clientId = 'cli-client'
let endpoint: Awaited<ReturnType<typeof startAssertionEndpoint>>
beforeAll(async () => {
  endpoint = await startAssertionEndpoint(publicPem, clientId)
})
afterAll(async () => {
  await endpoint?.close()
})

/** A working directory holding the key files under their names. */
const keysDir = () =>
  tempDir({
    'client-key.pem': privatePem,
    'public.pem': publicPem,
    'ec.pem': ecPem,
    'notes.txt': notes,
  })
const payloadOf = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>

describe('m2m token --private-key (private_key_jwt)', () => {
  it('signs a client assertion the token endpoint verifies with the public key; no secret', async () => {
    const from = endpoint.exchanges.length
    const result = await runInProcess(
      [
        'token',
        '--decode',
        '--issuer',
        endpoint.issuer,
        '--client-id',
        clientId,
        '--private-key',
        'client-key.pem',
        '--audience',
        'urn:worldmappers',
      ],
      { cwd: keysDir() },
    )
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(payloadOf(result.stdout)).toMatchObject({
      sub: `${clientId}@clients`,
      aud: 'urn:worldmappers',
      assertion_alg: 'RS256',
    })
    const [exchange] = endpoint.exchanges.slice(from)
    expect(exchange?.params.client_secret).toBeUndefined()
    expect(exchange?.params.client_id).toBe(clientId)
    expect(exchange?.header).toEqual({ alg: 'RS256', typ: 'JWT' })
    expect(exchange?.payload).toMatchObject({ iss: clientId, sub: clientId, aud: endpoint.issuer })
    const { iat, exp } = (exchange?.payload ?? {}) as { iat?: number; exp?: number }
    expect(iat).toBeTypeOf('number')
    expect(Number(exp) - Number(iat)).toBe(60)
  })

  it('--key-id and --assertion-alg set the kid header and the algorithm', async () => {
    const result = await runInProcess(
      [
        'token',
        '--decode',
        '--issuer',
        endpoint.issuer,
        '--client-id',
        clientId,
        '--private-key',
        'client-key.pem',
        '--key-id',
        'cred_42',
        '--assertion-alg',
        'PS256',
      ],
      { cwd: keysDir() },
    )
    expect(result.code).toBe(ExitCode.OK)
    expect(payloadOf(result.stdout)).toMatchObject({
      assertion_alg: 'PS256',
      assertion_kid: 'cred_42',
    })
  })

  it('reads <PROFILE>_CLIENT_ASSERTION_SIGNING_KEY (a path) from the environment or a .env file', async () => {
    const cwd = keysDir()
    const fromEnv = await runInProcess(['token', '--decode', '--profile', 'gift-deliveries'], {
      cwd,
      env: {
        ISSUER_BASE_URL: endpoint.issuer,
        GIFT_DELIVERIES_CLIENT_ID: clientId,
        GIFT_DELIVERIES_CLIENT_ASSERTION_SIGNING_KEY: 'client-key.pem',
      },
    })
    expect(fromEnv.code).toBe(ExitCode.OK)
    expect(payloadOf(fromEnv.stdout)).toMatchObject({ azp: clientId })

    const fromFile = await runInProcess(['token', '--decode', '--env-file', 'key.env'], {
      cwd: tempDir({
        'client-key.pem': privatePem,
        'key.env': `ISSUER_BASE_URL=${endpoint.issuer}\nAUTH0_CLIENT_ID=${clientId}\nAUTH0_CLIENT_ASSERTION_SIGNING_KEY=client-key.pem\n`,
      }),
    })
    expect(fromFile.code).toBe(ExitCode.OK)
    expect(payloadOf(fromFile.stdout)).toMatchObject({ azp: clientId })
  })

  it('the environment key beats the env file secret; the flag secret beats the environment key', async () => {
    const cwd = tempDir({
      'client-key.pem': privatePem,
      '.env': `AUTH0_CLIENT_SECRET=file-secret-0123456789\n`,
    })
    const env = {
      ISSUER_BASE_URL: endpoint.issuer,
      AUTH0_CLIENT_ID: clientId,
      AUTH0_CLIENT_ASSERTION_SIGNING_KEY: 'client-key.pem',
    }
    const withKey = await runInProcess(['token'], { cwd, env })
    expect(withKey.code).toBe(ExitCode.OK)

    const withSecret = await runInProcess(['token', '--client-secret', 'flag-secret-0123456789'], {
      cwd,
      env,
    })
    // The stub takes keys only: the flag's secret was sent, and refused.
    expect(withSecret.code).toBe(ExitCode.AUTH)
    expect(withSecret.stderr).toMatch(/invalid_client \(a client secret was sent: \)/)
    expect(withSecret.stderr).not.toContain('flag-secret-0123456789')
  })

  it('a new assertion for every run: the endpoint, refusing replays, never sees a jti twice', async () => {
    const cwd = keysDir()
    const args = ['token', '--issuer', endpoint.issuer, '--client-id', clientId]
    for (let i = 0; i < 3; i++) {
      expect((await runInProcess([...args, '--private-key', 'client-key.pem'], { cwd })).code).toBe(
        ExitCode.OK,
      )
    }
    const jtis = endpoint.exchanges.map((e) => e.payload?.jti).filter(Boolean)
    expect(new Set(jtis).size).toBe(jtis.length)
  })

  it('works as a real process too', async () => {
    const result = await spawnCli(
      [
        'token',
        '--issuer',
        endpoint.issuer,
        '--client-id',
        clientId,
        '--private-key',
        'client-key.pem',
      ],
      { cwd: keysDir() },
    )
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/)
  })

  describe('errors: one line on stderr, exit 2, never the file content', () => {
    const cases: Array<{
      name: string
      args: string[]
      env?: Record<string, string>
      code?: number
      stderr: RegExp
    }> = [
      {
        name: 'a missing key file',
        args: ['--private-key', 'missing.pem'],
        stderr: /^m2m: --private-key: cannot read \/.*\/missing\.pem \(ENOENT\)\n$/,
      },
      {
        name: 'a file that is no key',
        args: ['--private-key', 'notes.txt'],
        stderr:
          /^m2m: --private-key: \/.*\/notes\.txt is not a PEM private key; a private RSA key is required\n$/,
      },
      {
        name: 'a public key file',
        args: ['--private-key', 'public.pem'],
        stderr: /^m2m: --private-key: .*public\.pem is a public key, not a private key/,
      },
      {
        name: 'an EC key file',
        args: ['--private-key', 'ec.pem'],
        stderr: /^m2m: --private-key: .*ec\.pem is not an RSA key \(its type is ec\)/,
      },
      {
        name: 'a missing file named by the variable',
        args: [],
        env: { AUTH0_CLIENT_ASSERTION_SIGNING_KEY: 'nowhere.pem' },
        stderr:
          /^m2m: AUTH0_CLIENT_ASSERTION_SIGNING_KEY: cannot read .*nowhere\.pem \(ENOENT\)\n$/,
      },
      {
        name: '--private-key with --client-secret',
        args: ['--private-key', 'client-key.pem', '--client-secret', 'flag-secret-0123456789'],
        stderr:
          /^m2m: option '--private-key <file>' cannot be used with option '--client-secret <secret>' \(see --help\)\n$/,
      },
      {
        name: 'a secret and a key file in one layer',
        args: [],
        env: {
          AUTH0_CLIENT_SECRET: 'env-secret-0123456789',
          AUTH0_CLIENT_ASSERTION_SIGNING_KEY: 'client-key.pem',
        },
        stderr:
          /^m2m: AUTH0_CLIENT_SECRET and AUTH0_CLIENT_ASSERTION_SIGNING_KEY are both set \(environment\): keep one\n$/,
      },
      {
        name: '--key-id with a secret',
        args: ['--client-secret', 'flag-secret-0123456789', '--key-id', 'k1'],
        stderr: /^m2m: --key-id and --assertion-alg go with a private key/,
      },
      {
        name: 'an algorithm Auth0 does not take',
        args: ['--private-key', 'client-key.pem', '--assertion-alg', 'HS256'],
        stderr:
          /^m2m: option '--assertion-alg <alg>' argument 'HS256' is invalid\. Allowed choices are RS256, RS384, PS256\./,
      },
      {
        name: 'neither a secret nor a key',
        args: [],
        stderr:
          /^m2m: no client secret: give --client-secret or set AUTH0_CLIENT_SECRET .*or use a private key: --private-key or AUTH0_CLIENT_ASSERTION_SIGNING_KEY\n$/,
      },
      {
        name: 'an assertion the endpoint refuses (and echoes)',
        args: ['--private-key', 'client-key.pem', '--client-id', 'someone-else'],
        code: ExitCode.AUTH,
        stderr:
          /^m2m: could not get a token: The token endpoint answered 401: invalid_client \(the assertion does not verify \(FAST_JWT_INVALID_CLAIM_VALUE\): \[redacted\]\)\n$/,
      },
    ]
    for (const c of cases) {
      it(c.name, async () => {
        const result = await runInProcess(['token', ...c.args], {
          cwd: keysDir(),
          env: { ISSUER_BASE_URL: endpoint.issuer, AUTH0_CLIENT_ID: clientId, ...c.env },
        })
        expect(result.code).toBe(c.code ?? ExitCode.USAGE)
        expect(result.stdout).toBe('')
        expect(result.stderr).toMatch(c.stderr)
        expect(result.stderr.split('\n')).toHaveLength(2)
        for (const secret of [notes, keyLine, '-----BEGIN', 'flag-secret', 'env-secret']) {
          expect(result.stderr).not.toContain(secret)
        }
        expect(result.stderr).not.toMatch(/eyJ[\w-]+\.eyJ/)
      })
    }
  })
})
