import { fileURLToPath } from 'node:url'
import { createDpopKey } from '@m2m/auth/dpop'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { loadTenantFile, parseTenantDocument } from '../src/tenant/load-tenant.js'
import { dpopTokenRequest, tokenProof } from './helpers/dpop.js'
import { managementServerPerTest } from './helpers/management-harness.js'
import { ISSUER } from './helpers/test-tenant.js'

/**
 * Where an API's DPoP policy comes from: the Deploy CLI's
 * `resourceServers[].proof_of_possession` in the tenant file, and the same
 * field of `/api/v2/resource-servers`.
 */

const DEV_TENANT = fileURLToPath(new URL('../tenants/dev/tenant.yaml', import.meta.url))

function parseYaml(document: unknown) {
  return parseTenantDocument(stringify(document), 'yaml', {
    issuer: ISSUER,
    keywordMappings: {},
    baseDir: fileURLToPath(new URL('./fixtures/tenant-file/', import.meta.url)),
    source: 'test.yaml',
  })
}

const api = (proof_of_possession: unknown) => ({
  resourceServers: [{ name: 'Maps', identifier: 'urn:maps', proof_of_possession }],
})

describe('the tenant file', () => {
  it('the dev tenant allows DPoP (not requires it) for urn:worldmappers', async () => {
    const { tenant } = await loadTenantFile(DEV_TENANT, { issuer: ISSUER })
    const world = tenant.resourceServers.find((rs) => rs.identifier === 'urn:worldmappers')
    expect(world?.proof_of_possession).toEqual({ mechanism: 'dpop', required: false })
    const gifts = tenant.resourceServers.find((rs) => rs.identifier === 'urn:gift-deliveries')
    expect(gifts?.proof_of_possession).toBeUndefined()
  })

  it('reads proof_of_possession as the Deploy CLI writes it (required_for too)', async () => {
    const pop = { mechanism: 'dpop', required: true, required_for: 'all_clients' }
    const { tenant } = await parseYaml(api(pop))
    expect(tenant.resourceServers[1]?.proof_of_possession).toEqual(pop)
  })

  it('takes null, as an export may write it, as no policy', async () => {
    const { tenant } = await parseYaml(api(null))
    expect(tenant.resourceServers[1]).not.toHaveProperty('proof_of_possession')
  })

  const invalid: Array<[string, unknown, string]> = [
    [
      'an unknown mechanism',
      { mechanism: 'tls', required: true },
      'resourceServers[0] ("Maps").proof_of_possession.mechanism: must be one of "mtls", "dpop" (got "tls")',
    ],
    [
      'required missing',
      { mechanism: 'dpop' },
      'resourceServers[0] ("Maps").proof_of_possession.required: is required',
    ],
    [
      'required not a boolean',
      { mechanism: 'dpop', required: 'yes' },
      'resourceServers[0] ("Maps").proof_of_possession.required: must be boolean',
    ],
    [
      'an unknown required_for',
      { mechanism: 'dpop', required: true, required_for: 'everyone' },
      'resourceServers[0] ("Maps").proof_of_possession.required_for: must be one of "public_clients", "all_clients" (got "everyone")',
    ],
  ]
  for (const [name, pop, problem] of invalid) {
    it(`refuses ${name}, naming the API and the field`, async () => {
      const error = await parseYaml(api(pop)).then(
        () => undefined,
        (caught: { code?: string; problems?: string[] }) => caught,
      )
      expect(error?.code).toBe('TENANT_ERR_INVALID')
      expect(error?.problems).toEqual([problem])
    })
  }
})

describe('the Management API', () => {
  const h = managementServerPerTest('dpop-policy')
  const call = h.call

  it('creates an API with proof_of_possession, returns it and acts on it at once and after a restart', async () => {
    const created = await call('POST', '/api/v2/resource-servers', {
      identifier: 'urn:bound',
      name: 'Bound',
      scopes: [{ value: 'read' }],
      proof_of_possession: { mechanism: 'dpop', required: true },
    })
    expect(created.statusCode).toBe(201)
    expect(created.json().proof_of_possession).toEqual({ mechanism: 'dpop', required: true })
    await call('POST', '/api/v2/client-grants', {
      client_id: 'gift-deliveries',
      audience: 'urn:bound',
      scope: ['read'],
    })
    const fetched = await call('GET', '/api/v2/resource-servers/urn%3Abound')
    expect(fetched.json().proof_of_possession).toEqual({ mechanism: 'dpop', required: true })

    for (const restarted of [false, true]) {
      if (restarted) await h.restart()
      const app = h.server.app
      const bearer = await dpopTokenRequest(app, 'gift-deliveries', undefined, {
        audience: 'urn:bound',
      })
      expect(bearer.statusCode).toBe(400)
      expect(bearer.json().error).toBe('invalid_dpop_proof')
      const bound = await dpopTokenRequest(app, 'gift-deliveries', tokenProof(createDpopKey()), {
        audience: 'urn:bound',
      })
      expect(bound.json().token_type).toBe('DPoP')
    }
  })

  it('updates the policy of a file API (required, allowed, removed with null)', async () => {
    const request = (withProof: boolean) =>
      dpopTokenRequest(
        h.server.app,
        'gift-deliveries',
        withProof ? tokenProof(createDpopKey()) : undefined,
      )
    // The test tenant's urn:worldmappers has no policy: proofs give bearer tokens.
    expect((await request(true)).json().token_type).toBe('Bearer')

    const required = await call('PATCH', '/api/v2/resource-servers/rs_world', {
      proof_of_possession: { mechanism: 'dpop', required: true, required_for: 'all_clients' },
    })
    expect(required.statusCode).toBe(200)
    expect(required.json().proof_of_possession).toEqual({
      mechanism: 'dpop',
      required: true,
      required_for: 'all_clients',
    })
    expect((await request(false)).statusCode).toBe(400)
    expect((await request(true)).json().token_type).toBe('DPoP')

    await call('PATCH', '/api/v2/resource-servers/urn%3Aworldmappers', {
      proof_of_possession: { mechanism: 'dpop', required: false },
    })
    expect((await request(false)).json().token_type).toBe('Bearer')
    expect((await request(true)).json().token_type).toBe('DPoP')

    const removed = await call('PATCH', '/api/v2/resource-servers/rs_world', {
      proof_of_possession: null,
    })
    expect(removed.statusCode).toBe(200)
    expect(removed.json()).not.toHaveProperty('proof_of_possession')
    expect((await request(true)).json().token_type).toBe('Bearer')
  })

  it('acts on a policy stored before the field was modelled (auth0_fields)', async () => {
    await h.server.state.updateResourceServer('rs_world', {
      auth0_fields: { proof_of_possession: { mechanism: 'dpop', required: true } },
    })
    const res = await dpopTokenRequest(h.server.app, 'gift-deliveries', undefined)
    expect(res.statusCode).toBe(400)
    const cleared = await call('PATCH', '/api/v2/resource-servers/rs_world', {
      proof_of_possession: null,
    })
    expect(cleared.json()).not.toHaveProperty('proof_of_possession')
    expect((await dpopTokenRequest(h.server.app, 'gift-deliveries', undefined)).statusCode).toBe(
      200,
    )
  })

  const bad: Array<[string, unknown, string]> = [
    ['an unknown mechanism', { mechanism: 'tls', required: true }, 'proof_of_possession/mechanism'],
    ['required missing', { mechanism: 'dpop' }, "must have required property 'required'"],
    ['a non-boolean required', { mechanism: 'dpop', required: [] }, 'proof_of_possession/required'],
    [
      'an unknown field',
      { mechanism: 'dpop', required: false, nonce: true },
      'must not have the property "nonce"',
    ],
    [
      'an unknown required_for',
      { mechanism: 'dpop', required: true, required_for: 'some' },
      'proof_of_possession/required_for',
    ],
    ['a string', 'dpop', 'proof_of_possession'],
  ]
  for (const [name, pop, named] of bad) {
    it(`refuses ${name} with 400 invalid_body naming the field (POST and PATCH)`, async () => {
      for (const [method, url, extra] of [
        ['POST', '/api/v2/resource-servers', { identifier: 'urn:bad' }],
        ['PATCH', '/api/v2/resource-servers/rs_world', {}],
      ] as const) {
        const res = await call(method, url, { ...extra, proof_of_possession: pop })
        expect(res.statusCode).toBe(400)
        expect(res.json()).toMatchObject({ statusCode: 400, errorCode: 'invalid_body' })
        expect(res.json().message).toContain(named)
      }
    })
  }
})
