import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { join } from 'node:path'
import { createDpopKey } from '@m2m/auth/dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../src/index.js'
import { decodeParts, startDpopResourceServer } from './helpers/dpop-resource-server.js'
import { runInProcess, spawnCli, tempDir } from './helpers/run-cli.js'
import { startWorldMappers } from './helpers/services.js'
import { devCredentialsEnv, startTenant, type Tenant } from './helpers/tenant.js'

const pkcs8 = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString()
// Generated once for the file: RSA key generation is slow.
const ec256 = pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)
const ec384 = pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey)
const ed25519 = pkcs8(generateKeyPairSync('ed25519').privateKey)
const rsa = pkcs8(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)
const rsa1024 = pkcs8(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)
const x25519 = pkcs8(generateKeyPairSync('x25519').privateKey)
const ecPair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ecPublic = ecPair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
const ecEncrypted = ecPair.privateKey
  .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pass-phrase' })
  .toString()
const notes = 'these-are-private-notes-not-a-key-42'
const keyFiles: Record<string, string> = {
  'dpop-key.pem': ec256,
  'ec384.pem': ec384,
  'ed25519.pem': ed25519,
  'rsa.pem': rsa,
  'rsa1024.pem': rsa1024,
  'x25519.pem': x25519,
  'public.pem': ecPublic,
  'encrypted.pem': ecEncrypted,
  'notes.txt': notes,
}
/** A line from the middle of each PEM file: none may ever reach the output. */
const keyLines = Object.values(keyFiles)
  .filter((text) => text.startsWith('-----'))
  .map((pem) => pem.split('\n')[2] as string)
const thumbprint = (pem: string) => createDpopKey({ privateKey: pem, alg: 'ES256' }).jkt

let tenant: Tenant
let worldMappers: Awaited<ReturnType<typeof startWorldMappers>>
let api: Awaited<ReturnType<typeof startDpopResourceServer>>
let nonceApi: Awaited<ReturnType<typeof startDpopResourceServer>>
beforeAll(async () => {
  tenant = await startTenant()
  ;[worldMappers, api, nonceApi] = await Promise.all([
    startWorldMappers(tenant.issuer),
    startDpopResourceServer(tenant.issuer),
    startDpopResourceServer(tenant.issuer, { nonce: true }),
  ])
})
afterAll(async () => {
  await Promise.all([worldMappers?.close(), api?.close(), nonceApi?.close()])
  await tenant?.close()
})

const env = () => ({ ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv })
const asGiftDeliveries = ['--profile', 'gift-deliveries', '--audience', 'urn:worldmappers']
const payloadOf = (token: string) => decodeParts(token.trim()).payload
const keysDir = () => tempDir(keyFiles)
const expectNoKeyMaterial = (output: string) => {
  for (const line of [...keyLines, notes, '-----BEGIN']) expect(output).not.toContain(line)
}

describe('m2m token --dpop', () => {
  it('binds the token to a key made for the run; stderr says it is discarded on exit', async () => {
    const result = await runInProcess(['token', '--dpop', ...asGiftDeliveries], { env: env() })
    expect(result.code).toBe(ExitCode.OK)
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/)
    const { cnf } = payloadOf(result.stdout) as { cnf?: { jkt?: string } }
    expect(cnf?.jkt).toMatch(/^[\w-]{43}$/)
    expect(result.stderr).toBe(
      `m2m: this DPoP token is bound to a key (jkt ${cnf?.jkt}) that m2m made for this run and discards on exit: it cannot be used; give --dpop-key <file> for one you can use\n`,
    )
  })

  it('--dpop-key binds it to the key in the file, and stderr names the file', async () => {
    const cwd = keysDir()
    const result = await runInProcess(
      ['token', '--dpop', '--dpop-key', 'dpop-key.pem', ...asGiftDeliveries],
      { env: env(), cwd },
    )
    expect(result.code).toBe(ExitCode.OK)
    const jkt = thumbprint(ec256)
    expect(payloadOf(result.stdout)).toMatchObject({ cnf: { jkt }, azp: 'gift-deliveries-dev' })
    expect(result.stderr).toBe(
      `m2m: this DPoP token is bound to the key in ${join(cwd, 'dpop-key.pem')} (jkt ${jkt}): send it as Authorization: DPoP with a new proof signed by that key for each request\n`,
    )
    expectNoKeyMaterial(result.stderr)
  })

  it('--decode prints the payload with cnf.jkt, and no note', async () => {
    const result = await runInProcess(
      ['token', '--decode', '--dpop', '--dpop-key', 'dpop-key.pem', ...asGiftDeliveries],
      { env: env(), cwd: keysDir() },
    )
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(JSON.parse(result.stdout)).toMatchObject({ cnf: { jkt: thumbprint(ec256) } })
  })

  it('reads <PROFILE>_DPOP=true and <PROFILE>_DPOP_KEY from the environment or the env file', async () => {
    const cwd = keysDir()
    const fromEnv = await runInProcess(['token', '--decode', ...asGiftDeliveries], {
      cwd,
      env: { ...env(), GIFT_DELIVERIES_DPOP: 'true', GIFT_DELIVERIES_DPOP_KEY: 'dpop-key.pem' },
    })
    expect(fromEnv.code).toBe(ExitCode.OK)
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ cnf: { jkt: thumbprint(ec256) } })

    const fromFile = await runInProcess(
      ['token', '--decode', '--env-file', 'dpop.env', '--audience', 'urn:worldmappers'],
      {
        cwd: tempDir({
          'k.pem': ec256,
          'dpop.env': Object.entries({
            ISSUER_BASE_URL: tenant.issuer,
            AUTH0_CLIENT_ID: devCredentialsEnv.GIFT_DELIVERIES_CLIENT_ID,
            AUTH0_CLIENT_SECRET: devCredentialsEnv.GIFT_DELIVERIES_CLIENT_SECRET,
            AUTH0_DPOP: '1',
            AUTH0_DPOP_KEY: 'k.pem',
          })
            .map(([name, value]) => `${name}=${value}\n`)
            .join(''),
        }),
      },
    )
    expect(fromFile.code).toBe(ExitCode.OK)
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ cnf: { jkt: thumbprint(ec256) } })
  })

  it('--no-dpop wins over <PROFILE>_DPOP: a bearer token, with no cnf', async () => {
    const result = await runInProcess(['token', '--decode', '--no-dpop', ...asGiftDeliveries], {
      cwd: keysDir(),
      env: { ...env(), GIFT_DELIVERIES_DPOP: 'true', GIFT_DELIVERIES_DPOP_KEY: 'dpop-key.pem' },
    })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(JSON.parse(result.stdout).cnf).toBeUndefined()
  })

  it('an API that takes no DPoP answers a bearer token: refused, exit 3', async () => {
    const result = await runInProcess(
      ['token', '--dpop', '--profile', 'storefront', '--audience', 'urn:gift-deliveries'],
      { env: env() },
    )
    expect(result).toMatchObject({ code: ExitCode.AUTH, stdout: '' })
    expect(result.stderr).toBe(
      'm2m: could not get a DPoP-bound token: the token endpoint answered a Bearer token (the API urn:gift-deliveries does not take DPoP); --no-dpop asks for a bearer token\n',
    )
  })
})

describe('m2m call --dpop', () => {
  it('calls a DPoP-only API with Authorization: DPoP and a proof for the request', async () => {
    const from = api.seen.length
    const result = await runInProcess(
      ['call', `${api.url}/things?page=2`, '--dpop', ...asGiftDeliveries],
      { env: env() },
    )
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    const { auth } = JSON.parse(result.stdout)
    expect(auth).toMatchObject({ tokenType: 'DPoP', clientId: 'gift-deliveries-dev' })
    const [request] = api.seen.slice(from)
    const token = request?.headers.authorization?.replace(/^DPoP /, '') as string
    expect(request?.headers.authorization).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/)
    const proof = decodeParts(request?.headers.dpop as string)
    expect(proof.header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' })
    expect(proof.header.jwk).not.toHaveProperty('d')
    expect(proof.payload).toMatchObject({ htm: 'GET', htu: `${api.url}/things` })
    expect(auth.dpop.jkt).toBe((payloadOf(token).cnf as { jkt: string }).jkt)
  })

  it('a POST with a body gets a proof for POST', async () => {
    const from = api.seen.length
    const result = await runInProcess(
      ['call', `${api.url}/things`, '-d', '{"a":1}', '--dpop', ...asGiftDeliveries],
      { env: env() },
    )
    expect(result.code).toBe(ExitCode.OK)
    const [request] = api.seen.slice(from)
    expect(decodeParts(request?.headers.dpop as string).payload).toMatchObject({ htm: 'POST' })
  })

  it('answers the server nonce (use_dpop_nonce) once with a new proof', async () => {
    const from = nonceApi.seen.length
    const result = await runInProcess(
      ['call', `${nonceApi.url}/things`, '--dpop', ...asGiftDeliveries],
      { env: env() },
    )
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    const proofs = nonceApi.seen
      .slice(from)
      .map((request) => decodeParts(request.headers.dpop as string).payload)
    expect(proofs).toHaveLength(2)
    expect(proofs[0]?.nonce).toBeUndefined()
    expect(proofs[1]?.nonce).toEqual(expect.any(String))
    expect(proofs[1]?.jti).not.toBe(proofs[0]?.jti)
    expect(proofs[1]?.ath).toBe(proofs[0]?.ath)
  })

  it('without --dpop the DPoP-only API refuses the bearer token: exit 1', async () => {
    const result = await runInProcess(['call', `${api.url}/things`, ...asGiftDeliveries], {
      env: env(),
    })
    expect(result.code).toBe(ExitCode.REMOTE)
    expect(result.stderr).toMatch(
      new RegExp(`^m2m: GET ${api.url}/things answered 401 Unauthorized`),
    )
  })

  it('an API that takes no DPoP: no call is made with the bearer token it answered, exit 3', async () => {
    const from = api.seen.length
    const result = await runInProcess(
      [
        'call',
        `${api.url}/things`,
        '--dpop',
        '--profile',
        'storefront',
        '--audience',
        'urn:gift-deliveries',
      ],
      { env: env() },
    )
    expect(result).toMatchObject({ code: ExitCode.AUTH, stdout: '' })
    expect(result.stderr).toMatch(
      /^m2m: could not get a DPoP-bound token: the token endpoint answered a Bearer token/,
    )
    expect(api.seen.length).toBe(from)
  })

  const algorithms: Array<{ name: string; args: string[]; alg: string; pem?: string }> = [
    {
      name: 'an EC P-384 key signs ES384',
      args: ['--dpop-key', 'ec384.pem'],
      alg: 'ES384',
      pem: ec384,
    },
    {
      name: 'an Ed25519 key signs EdDSA',
      args: ['--dpop-key', 'ed25519.pem'],
      alg: 'EdDSA',
      pem: ed25519,
    },
    { name: 'an RSA key signs RS256', args: ['--dpop-key', 'rsa.pem'], alg: 'RS256', pem: rsa },
    {
      name: '--dpop-alg PS256 with an RSA key',
      args: ['--dpop-key', 'rsa.pem', '--dpop-alg', 'PS256'],
      alg: 'PS256',
      pem: rsa,
    },
    { name: '--dpop-alg ES512 makes a P-521 key', args: ['--dpop-alg', 'ES512'], alg: 'ES512' },
  ]
  for (const c of algorithms) {
    it(`the key picks the proof algorithm: ${c.name}`, async () => {
      const from = api.seen.length
      const result = await runInProcess(
        ['call', `${api.url}/things`, '--dpop', ...c.args, ...asGiftDeliveries],
        { env: env(), cwd: keysDir() },
      )
      expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
      const [request] = api.seen.slice(from)
      expect(decodeParts(request?.headers.dpop as string).header.alg).toBe(c.alg)
      if (c.pem) {
        const jkt = createDpopKey({ privateKey: c.pem, alg: c.alg as 'ES256' }).jkt
        expect(JSON.parse(result.stdout).auth.dpop.jkt).toBe(jkt)
      }
    })
  }

  it('world-mappers (DPoP allowed) takes the DPoP-bound token', async () => {
    const result = await runInProcess(
      ['call', `${worldMappers.url}/api/me`, '--dpop', ...asGiftDeliveries],
      { env: env() },
    )
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(JSON.parse(result.stdout).tokenPayload).toMatchObject({
      azp: 'gift-deliveries-dev',
      cnf: { jkt: expect.stringMatching(/^[\w-]{43}$/) },
    })
  })

  it('works as a real process, with the key from <PROFILE>_DPOP_KEY', async () => {
    const result = await spawnCli(['call', `${api.url}/things`, ...asGiftDeliveries], {
      cwd: keysDir(),
      env: { ...env(), GIFT_DELIVERIES_DPOP: 'true', GIFT_DELIVERIES_DPOP_KEY: 'dpop-key.pem' },
    })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(JSON.parse(result.stdout).auth.dpop.jkt).toBe(thumbprint(ec256))
  })
})

describe('DPoP usage errors: one line on stderr, exit 2, never key material', () => {
  const cases: Array<{
    name: string
    args: string[]
    env?: Record<string, string>
    stderr: RegExp
    command?: string
  }> = [
    {
      name: 'an unknown --dpop-alg',
      args: ['--dpop', '--dpop-alg', 'HS256'],
      stderr:
        /^m2m: option '--dpop-alg <alg>' argument 'HS256' is invalid\. Allowed choices are ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512, EdDSA\. \(see --help\)\n$/,
    },
    {
      name: 'an unknown --dpop-alg, on call',
      command: 'call',
      args: ['http://127.0.0.1:9/x', '--dpop', '--dpop-alg', 'none'],
      stderr: /^m2m: option '--dpop-alg <alg>' argument 'none' is invalid\./,
    },
    {
      name: 'a missing key file',
      args: ['--dpop', '--dpop-key', 'missing.pem'],
      stderr: /^m2m: --dpop-key: cannot read \/.*\/missing\.pem \(ENOENT\)\n$/,
    },
    {
      name: 'a file that is no key',
      args: ['--dpop', '--dpop-key', 'notes.txt'],
      stderr: /^m2m: --dpop-key: \/.*\/notes\.txt is not a PEM private key\n$/,
    },
    {
      name: 'a public key',
      args: ['--dpop', '--dpop-key', 'public.pem'],
      stderr: /^m2m: --dpop-key: \/.*\/public\.pem is a public key, not a private key\n$/,
    },
    {
      name: 'an encrypted key',
      args: ['--dpop', '--dpop-key', 'encrypted.pem'],
      stderr:
        /^m2m: --dpop-key: \/.*\/encrypted\.pem is an encrypted private key: decrypt it first/,
    },
    {
      name: 'a key of another type than --dpop-alg',
      args: ['--dpop', '--dpop-key', 'rsa.pem', '--dpop-alg', 'ES256'],
      stderr:
        /^m2m: --dpop-key: \/.*\/rsa\.pem is a 2048-bit RSA key, not a key for ES256 \(from --dpop-alg\)\n$/,
    },
    {
      name: 'an RSA key under 2048 bits',
      args: ['--dpop', '--dpop-key', 'rsa1024.pem'],
      stderr: /^m2m: --dpop-key: \/.*\/rsa1024\.pem is a 1024-bit RSA key, not a key for RS256\n$/,
    },
    {
      name: 'a key that cannot sign',
      args: ['--dpop', '--dpop-key', 'x25519.pem'],
      stderr:
        /^m2m: --dpop-key: \/.*\/x25519\.pem is a key of type x25519, which signs no DPoP proof \(ES256, .*EdDSA\)\n$/,
    },
    {
      name: '--dpop-key without --dpop',
      args: ['--dpop-key', 'dpop-key.pem'],
      stderr: /^m2m: --dpop-key and --dpop-alg go with --dpop \(or AUTH0_DPOP=true\)\n$/,
    },
    {
      name: '--dpop-alg with --no-dpop',
      args: ['--no-dpop', '--dpop-alg', 'ES256'],
      stderr: /^m2m: --dpop-key and --dpop-alg go with --dpop/,
    },
    {
      name: 'a <PROFILE>_DPOP that is no boolean',
      args: [],
      env: { AUTH0_DPOP: 'yes' },
      stderr: /^m2m: AUTH0_DPOP must be true or false, got "yes"\n$/,
    },
    {
      name: '<PROFILE>_DPOP_KEY without <PROFILE>_DPOP',
      args: [],
      env: { AUTH0_DPOP_KEY: 'dpop-key.pem' },
      stderr: /^m2m: AUTH0_DPOP_KEY needs AUTH0_DPOP=true \(or --dpop\)\n$/,
    },
    {
      name: 'an unknown <PROFILE>_DPOP_ALG',
      args: [],
      env: { AUTH0_DPOP: 'true', AUTH0_DPOP_ALG: 'HS256' },
      stderr: /^m2m: AUTH0_DPOP_ALG must be one of ES256, .*EdDSA, got "HS256"\n$/,
    },
    {
      name: 'a <PROFILE>_DPOP_KEY that cannot be read',
      args: [],
      env: { AUTH0_DPOP: 'true', AUTH0_DPOP_KEY: 'nowhere.pem' },
      stderr: /^m2m: AUTH0_DPOP_KEY: cannot read \/.*\/nowhere\.pem \(ENOENT\)\n$/,
    },
    {
      name: 'a <PROFILE>_DPOP_KEY of another type than <PROFILE>_DPOP_ALG',
      args: [],
      env: { AUTH0_DPOP: 'true', AUTH0_DPOP_KEY: 'ed25519.pem', AUTH0_DPOP_ALG: 'ES384' },
      stderr:
        /^m2m: AUTH0_DPOP_KEY: \/.*\/ed25519\.pem is an Ed25519 key, not a key for ES384 \(from AUTH0_DPOP_ALG\)\n$/,
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const result = await runInProcess([c.command ?? 'token', ...c.args], {
        cwd: keysDir(),
        env: {
          ISSUER_BASE_URL: 'http://127.0.0.1:9/',
          AUTH0_CLIENT_ID: 'cli-client',
          AUTH0_CLIENT_SECRET: 'env-secret-0123456789',
          ...c.env,
        },
      })
      expect(result.code).toBe(ExitCode.USAGE)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(c.stderr)
      expect(result.stderr.split('\n')).toHaveLength(2)
      expectNoKeyMaterial(result.stderr)
    })
  }
})
