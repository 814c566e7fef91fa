import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TenantInvalidError } from '../src/errors.js'
import { CLIENT_ASSERTION_TYPE } from '../src/oauth/client-assertion.js'
import { type AuthServer, createAuthServer } from '../src/server.js'
import { parseTenantDocument } from '../src/tenant/load-tenant.js'
import type { Client } from '../src/tenant/model.js'
import { assertionClaims, rsaKeyPair, signAssertion } from './helpers/client-assertion.js'
import { decodeJwt } from './helpers/test-server.js'

/**
 * private_key_jwt clients in a tenant file, in the Deploy CLI's shape
 * (`client_authentication_methods.private_key_jwt.credentials`, the PEM inline
 * or as a keyword), or with `token_endpoint_auth_method: private_key_jwt`.
 */

const ISSUER = 'http://localhost:4000/'
const gift = rsaKeyPair()
const spare = rsaKeyPair()
const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().replace('.000', '')

/** A YAML block scalar holding `text`, indented for a list item's field. */
const block = (text: string, indent: string) =>
  `|\n${text
    .trimEnd()
    .split('\n')
    .map((line) => `${indent}${line}`)
    .join('\n')}`

const deployCliTenant = `
resourceServers:
  - name: World Mappers API
    identifier: urn:worldmappers
    scopes:
      - value: directions
clients:
  - name: Gift Deliveries
    app_type: non_interactive
    client_authentication_methods:
      private_key_jwt:
        credentials:
          - name: gift-deliveries key 1
            credential_type: public_key
            pem: ${block(gift.publicPem, '              ')}
            alg: RS384
            expires_at: ${inAYear}
          - name: gift-deliveries key 2
            credential_type: public_key
            pem: "##GIFT_DELIVERIES_KEY_2##"
  - name: Key Only
    token_endpoint_auth_method: private_key_jwt
    client_authentication_methods:
      private_key_jwt:
        credentials:
          - name: exported without its key
            credential_type: public_key
  - name: Migrating
    client_authentication_methods:
      client_secret_post: {}
      private_key_jwt:
        credentials:
          - pem: "##GIFT_DELIVERIES_KEY_2##"
  - name: Secret Only
clientGrants:
  - client_id: Gift Deliveries
    audience: urn:worldmappers
    scope: [directions]
`

const clientNamed = (clients: Client[], name: string) =>
  clients.find((c) => c.name === name) as Client

describe('private_key_jwt in a tenant file', () => {
  it("loads the Deploy CLI's shape: credentials enabled, kid from the key, PEM as a keyword", async () => {
    const { tenant } = await parseTenantDocument(deployCliTenant, 'yaml', {
      issuer: ISSUER,
      baseDir: '.',
      keywordMappings: { GIFT_DELIVERIES_KEY_2: spare.publicPem },
    })
    const client = clientNamed(tenant.clients, 'Gift Deliveries')
    expect(client.credentials).toEqual([
      {
        id: expect.stringMatching(/^cred_/),
        name: 'gift-deliveries key 1',
        credential_type: 'public_key',
        kid: expect.stringMatching(/^[\w-]{43}$/),
        alg: 'RS384',
        pem: gift.publicPem,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        expires_at: new Date(inAYear).toISOString(),
      },
      expect.objectContaining({
        name: 'gift-deliveries key 2',
        alg: 'RS256',
        pem: spare.publicPem,
      }),
    ])
    expect(client.client_authentication_methods).toEqual({
      private_key_jwt: { credentials: client.credentials?.map(({ id }) => ({ id })) },
    })

    // token_endpoint_auth_method: private_key_jwt, and a credential an export holds without its key.
    const keyOnly = clientNamed(tenant.clients, 'Key Only')
    expect(keyOnly.credentials).toEqual([])
    expect(keyOnly.client_authentication_methods).toEqual({ private_key_jwt: { credentials: [] } })
    expect(keyOnly.token_endpoint_auth_method).toBe('client_secret_post')

    const migrating = clientNamed(tenant.clients, 'Migrating')
    expect(migrating.client_authentication_methods).toMatchObject({ client_secret_post: {} })
    expect(clientNamed(tenant.clients, 'Secret Only')).not.toHaveProperty('credentials')
  })

  it('lists every bad credential with its client and field, showing no key', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString()
    const credential = (pem: string, extra = '') =>
      `          - pem: ${block(pem, '              ')}${extra}`
    const text = `
clients:
  - name: Broken Keys
    client_authentication_methods:
      private_key_jwt:
        credentials:
${credential(gift.privatePem)}
${credential(weak)}
  - name: Bad Fields
    client_authentication_methods:
      private_key_jwt:
        credentials:
${credential(gift.publicPem, '\n            alg: HS256\n            expires_at: soon')}
  - name: Same Key Twice
    client_authentication_methods:
      private_key_jwt:
        credentials:
${credential(gift.publicPem)}
${credential(gift.publicPem)}
  - name: Three Keys
    client_authentication_methods:
      private_key_jwt:
        credentials:
${credential(gift.publicPem)}
${credential(spare.publicPem)}
${credential(spare.publicPem)}
`
    const error = (await parseTenantDocument(text, 'yaml', { issuer: ISSUER, baseDir: '.' }).then(
      () => undefined,
      (e: unknown) => e,
    )) as TenantInvalidError
    expect(error).toBeInstanceOf(TenantInvalidError)
    const at = (client: number, name: string, index: number) =>
      `clients[${client}] ("${name}").client_authentication_methods.private_key_jwt.credentials[${index}]`
    expect(error.problems).toEqual([
      `${at(1, 'Bad Fields', 0)}.alg: must be one of "RS256", "RS384", "PS256" (got "HS256")`,
      'clients[3] ("Three Keys").client_authentication_methods.private_key_jwt.credentials: must NOT have more than 2 items',
    ])
    const built = (await parseTenantDocument(
      text.replace(/\n {12}alg: HS256/, '').replace(/ {2}- name: Three Keys[\s\S]*$/, ''),
      'yaml',
      { issuer: ISSUER, baseDir: '.' },
    ).then(
      () => undefined,
      (e: unknown) => e,
    )) as TenantInvalidError
    expect(built.problems).toEqual([
      `${at(0, 'Broken Keys', 0)}.pem: is a private key: register its public key only`,
      `${at(0, 'Broken Keys', 1)}.pem: must be an RSA key of 2048 to 8192 bits (got 1024)`,
      `${at(1, 'Bad Fields', 0)}.expires_at: must be an ISO 8601 date and time`,
      expect.stringMatching(
        /^clients\[2\] \("Same Key Twice"\)\.client_authentication_methods\.private_key_jwt\.credentials\[1\]: the same kid as credentials\[0\] \([\w-]{43}\)$/,
      ),
    ])
    expect(error.message + built.message).not.toContain('BEGIN')
  })
})

describe('a tenant file with private_key_jwt clients, served', () => {
  let dir: string
  let server: AuthServer
  const start = () =>
    createAuthServer({
      issuer: ISSUER,
      tenantFile: join(dir, 'tenant.yaml'),
      dataDir: join(dir, 'data'),
      keywordMappings: {},
      testControls: false,
      rateLimit: { perSecond: 1000, burst: 1000 },
    })
  const admin = {
    client_id: 'tenant-admin-test',
    client_secret: 'tenant-admin-secret-0123456789abcdefghijklmnop',
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pkjwt-tenant-'))
    const text = deployCliTenant.replace(
      'clientGrants:\n',
      `  - name: Tenant Admin
    client_id: ${admin.client_id}
    client_secret: ${admin.client_secret}
clientGrants:
  - client_id: Tenant Admin
    audience: "##MANAGEMENT_API_AUDIENCE##"
    scope: [read:clients, read:client_credentials]
`,
    )
    await writeFile(join(dir, 'tenant.yaml'), text)
    // As the dev tenant keeps its local values: keywords.json beside the file.
    await writeFile(
      join(dir, 'keywords.json'),
      JSON.stringify({ GIFT_DELIVERIES_KEY_2: spare.publicPem }),
    )
    server = await start()
  })
  afterAll(async () => {
    await server.app.close()
    await rm(dir, { recursive: true, force: true })
  })

  const inject = (app: AuthServer['app'], payload: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', audience: 'urn:worldmappers', ...payload },
    })

  async function credentialsOf(app: AuthServer['app'], name: string) {
    const token = (await inject(app, { ...admin, audience: `${ISSUER}api/v2/` })).json()
      .access_token
    const headers = { authorization: `Bearer ${token}` }
    const clients = (await app.inject({ url: '/api/v2/clients', headers })).json() as Array<{
      client_id: string
      name: string
    }>
    const id = clients.find((c) => c.name === name)?.client_id
    return {
      id,
      list: (await app.inject({ url: `/api/v2/clients/${id}/credentials`, headers })).json(),
    }
  }

  it('issues tokens for assertions signed by either key, and refuses the generated secret', async () => {
    const { id, list } = await credentialsOf(server.app, 'Gift Deliveries')
    for (const [pair, alg] of [
      [gift, 'RS384'],
      [spare, 'RS256'],
    ] as const) {
      const res = await inject(server.app, {
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: signAssertion(assertionClaims(id as string, ISSUER), {
          key: pair.privateKey,
          alg,
        }),
      })
      expect(res.statusCode, res.body).toBe(200)
      expect(decodeJwt(res.json().access_token).payload.azp).toBe(id)
    }
    expect(list).toHaveLength(2)
    // The file gave no secret: one was generated (and listed), and it is refused.
    const env = await readFile(join(dir, 'data', 'client-secrets.env'), 'utf8')
    const secret = /^GIFT_DELIVERIES_CLIENT_SECRET='?([^'\n]+)/m.exec(env)?.[1]
    expect(secret).toBeDefined()
    const refused = await inject(server.app, { client_id: id, client_secret: secret })
    expect(refused.statusCode).toBe(401)
    expect(refused.json().error).toBe('invalid_client')
  })

  it('keeps the ids of the file credentials across a restart', async () => {
    const before = await credentialsOf(server.app, 'Gift Deliveries')
    const again = await start()
    try {
      const after = await credentialsOf(again.app, 'Gift Deliveries')
      expect(after.id).toBe(before.id)
      expect(after.list).toEqual(before.list)
    } finally {
      await again.app.close()
    }
  })
})
