import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../src/index.js'
import { runInProcess } from './helpers/run-cli.js'
import { startGiftDeliveries, startWorldMappers } from './helpers/services.js'
import { devCredentialsEnv, startTenant, type Tenant } from './helpers/tenant.js'

let tenant: Tenant
let worldMappers: Awaited<ReturnType<typeof startWorldMappers>>
let giftDeliveries: Awaited<ReturnType<typeof startGiftDeliveries>>

beforeAll(async () => {
  tenant = await startTenant()
  worldMappers = await startWorldMappers(tenant.issuer)
  giftDeliveries = await startGiftDeliveries(tenant.issuer, worldMappers.url)
}, 60_000)
afterAll(async () => {
  await giftDeliveries?.close()
  await worldMappers?.close()
  await tenant?.close()
})

/** The Storefront's credentials from the environment, as `.env.example` has them. */
const env = () => ({
  ISSUER_BASE_URL: tenant.issuer,
  GIFT_DELIVERIES_URL: giftDeliveries.url,
  ...devCredentialsEnv,
})
const ada = [
  'deliveries',
  'create',
  '--recipient',
  'Ada Lovelace',
  '--email',
  'ada@example.com',
  '--gift',
  'A mechanical calculator',
  '--destination',
  'Paris',
]

describe('m2m deliveries', () => {
  let created: { id: string; status: string }

  it('create plans a delivery through world-mappers and prints it', async () => {
    const result = await runInProcess([...ada, '--idempotency-key', 'order-1001'], { env: env() })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    created = JSON.parse(result.stdout)
    expect(created).toMatchObject({
      status: 'planned',
      clientId: 'storefront-dev',
      request: {
        recipient: { name: 'Ada Lovelace', email: 'ada@example.com' },
        gift: { description: 'A mechanical calculator' },
        destination: 'Paris',
      },
      route: { destination: { name: 'Paris', countryCode: 'FR' } },
    })
  })

  it('create with the same --idempotency-key returns the same delivery', async () => {
    const result = await runInProcess([...ada, '--idempotency-key', 'order-1001'], { env: env() })
    expect(result.code).toBe(ExitCode.OK)
    expect(JSON.parse(result.stdout).id).toBe(created.id)
  })

  it('the same key with other fields is a 422 (exit 1)', async () => {
    const result = await runInProcess(
      [...ada.slice(0, -1), 'Lyon', '--idempotency-key', 'order-1001'],
      { env: env() },
    )
    expect(result.code).toBe(ExitCode.REMOTE)
    expect(result.stderr).toMatch(/^m2m: POST .*\/deliveries answered 422 Unprocessable Entity/)
  })

  it('get prints the delivery; list shows it', async () => {
    const got = await runInProcess(['deliveries', 'get', created.id], { env: env() })
    expect(got.code).toBe(ExitCode.OK)
    expect(JSON.parse(got.stdout)).toMatchObject({ id: created.id, status: 'planned' })

    const listed = await runInProcess(
      ['deliveries', 'list', '--status', 'planned', '--limit', '5'],
      {
        env: env(),
      },
    )
    expect(listed.code).toBe(ExitCode.OK)
    const page = JSON.parse(listed.stdout)
    expect(page.items.map((d: { id: string }) => d.id)).toContain(created.id)
    expect(page).toHaveProperty('nextCursor')
    const summary = page.items.find((d: { id: string }) => d.id === created.id)
    expect(summary).not.toHaveProperty('route')
    expect(summary).toMatchObject({ destination: { name: 'Paris', countryCode: 'FR' } })

    const whole = await runInProcess(
      ['deliveries', 'list', '--status', 'planned', '--limit', '5', '--include-route'],
      { env: env() },
    )
    expect(whole.code).toBe(ExitCode.OK)
    const full = JSON.parse(whole.stdout).items.find((d: { id: string }) => d.id === created.id)
    expect(full).toMatchObject({ route: { destination: { name: 'Paris', countryCode: 'FR' } } })
  })

  it('an unknown destination is a 422: the answer on stdout, one line on stderr (exit 1)', async () => {
    const result = await runInProcess([...ada.slice(0, -1), 'Qxzzyvillez Nowhere'], { env: env() })
    expect(result.code).toBe(ExitCode.REMOTE)
    expect(JSON.parse(result.stdout)).toMatchObject({ error: 'DELIVERY_ERR_PLACE_NOT_FOUND' })
    expect(result.stderr).toMatch(
      /^m2m: POST http:\/\/127\.0\.0\.1:\d+\/deliveries answered 422 Unprocessable Entity: DELIVERY_ERR_PLACE_NOT_FOUND: No place matches destination "Qxzzyvillez Nowhere"\n$/,
    )
  })

  it('an id that does not exist is a 404 (exit 1)', async () => {
    const result = await runInProcess(
      ['deliveries', 'get', '00000000-0000-4000-8000-000000000000'],
      { env: env() },
    )
    expect(result.code).toBe(ExitCode.REMOTE)
    expect(result.stderr).toMatch(/answered 404 Not Found: DELIVERY_ERR_NOT_FOUND/)
  })

  it('a client with no grant for urn:gift-deliveries gets no token (exit 3)', async () => {
    const result = await runInProcess(['deliveries', 'list', '--profile', 'gift-deliveries'], {
      env: env(),
    })
    expect(result.code).toBe(ExitCode.AUTH)
    expect(result.stderr).toMatch(/Client is not authorized to access "urn:gift-deliveries"/)
  })

  const usage: Array<[string, string[], RegExp]> = [
    [
      'a missing --destination',
      ada.slice(0, -2),
      /required option '--destination <place>' not specified/,
    ],
    [
      'a bad --idempotency-key',
      [...ada, '--idempotency-key', 'has space'],
      /--idempotency-key must be/,
    ],
    ['a get id that is no UUID', ['deliveries', 'get', 'nope'], /<id> must be a UUID/],
    [
      'a list --status outside the choices',
      ['deliveries', 'list', '--status', 'lost'],
      /Allowed choices are pending, planned, failed/,
    ],
    [
      'a list --limit out of range',
      ['deliveries', 'list', '--limit', '0'],
      /must be an integer from 1 to 100/,
    ],
    [
      'a bad --url',
      ['deliveries', 'list', '--url', 'localhost:3000'],
      /^m2m: --url must be an http\(s\) URL/,
    ],
    ['no subcommand (help on stderr)', ['deliveries'], /^Usage: m2m deliveries /],
  ]
  for (const [name, args, stderr] of usage) {
    it(`usage error (2): ${name}`, async () => {
      const result = await runInProcess(args, { env: env() })
      expect(result.code).toBe(ExitCode.USAGE)
      expect(result.stderr.split('\n')[0]).toMatch(stderr)
    })
  }

  it('exits 4 when gift-deliveries cannot be reached', async () => {
    const result = await runInProcess(['deliveries', 'list'], {
      env: { ...env(), GIFT_DELIVERIES_URL: 'http://127.0.0.1:1' },
    })
    expect(result).toMatchObject({
      code: ExitCode.NETWORK,
      stdout: '',
      stderr: 'm2m: could not reach http://127.0.0.1:1: ECONNREFUSED\n',
    })
  })
})
