import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stripColors } from '../src/format/colors.js'
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

describe('m2m deliveries on a terminal (for people)', () => {
  const grace = [
    'deliveries',
    'create',
    '--recipient',
    'Grace Hopper',
    '--gift',
    'A compiler',
    '--destination',
    'Auth0 Office',
  ]
  let id: string
  let createdAt: number

  it('create prints one line with the whole id, the status in colour', async () => {
    const result = await runInProcess(grace, { env: env(), tty: true })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(result.stdout).toContain(': \u001b[32mplanned\u001b[39m, ')
    expect(stripColors(result.stdout)).toMatch(
      /^Created delivery ([0-9a-f-]{36}): planned, to Auth0 Office \(US\), [\d,]+ km, \d+ h \d+ min\n$/,
    )
    id = result.stdout.match(/delivery ([0-9a-f-]{36})/)?.[1] as string
    const json = await runInProcess(['deliveries', 'get', id], { env: env() })
    createdAt = Date.parse(JSON.parse(json.stdout).createdAt)
  })

  it('list is a table: short id, status, recipient, destination, distance, duration, created', async () => {
    const result = await runInProcess(['deliveries', 'list', '--limit', '100'], {
      env: { ...env(), NO_COLOR: '1' },
      tty: true,
      now: () => createdAt + 3 * 60_000,
    })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(
      /^ID {8}STATUS {3}RECIPIENT +DESTINATION +DISTANCE {2}DURATION +CREATED$/,
    )
    const row = lines.find((line) => line.startsWith(id.slice(0, 8)))
    expect(row).toMatch(
      /^[0-9a-f]{8} {2}planned {2}Grace Hopper +Auth0 Office \(US\) +[\d,]+ km {2}\d+ h \d+ min +3 min ago$/,
    )
    // Columns line up: every row's status starts under STATUS.
    for (const line of lines) expect(line.search(/STATUS|planned|pending|failed/)).toBe(10)
    expect(result.stdout).not.toContain('\u001b[')
  })

  it('list says where the next page is, with the same filters', async () => {
    const result = await runInProcess(
      ['deliveries', 'list', '--status', 'planned', '--limit', '1'],
      { env: env(), tty: true },
    )
    expect(result.code).toBe(ExitCode.OK)
    expect(result.stdout).toContain('\n\u001b[2mmore: ')
    expect(stripColors(result.stdout)).toMatch(
      /\nmore: m2m deliveries list --status planned --limit 1 --cursor [\w-]+\n$/,
    )
  })

  it('get is a readable block, the route step by step', async () => {
    const result = await runInProcess(['deliveries', 'get', id], {
      env: { ...env(), TERM: 'dumb' },
      tty: true,
      now: () => createdAt + 60 * 60_000,
    })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(`delivery ${id}`)
    expect(lines).toContain('  status     planned')
    expect(lines).toContain('  recipient  Grace Hopper')
    expect(lines).toContain('  to         Auth0 Office (US)')
    expect(lines.find((l) => l.startsWith('  created'))).toMatch(/^ {2}created {4}60 min ago \(/)
    expect(lines).toContain('  route')
    expect(lines.at(-1)).toMatch(/^ +\d+\. Arrive at Auth0 Office/)
    expect(result.stdout).not.toContain('\u001b[')
  })

  it('--json on a terminal prints the JSON, coloured; NO_COLOR leaves it plain', async () => {
    const coloured = await runInProcess(['deliveries', 'get', id, '--json'], {
      env: env(),
      tty: true,
    })
    expect(coloured.stdout).toContain('\u001b[36m"id"\u001b[39m: ')
    expect(JSON.parse(stripColors(coloured.stdout))).toMatchObject({ id, status: 'planned' })
    const plain = await runInProcess(['deliveries', 'list', '--json'], {
      env: { ...env(), NO_COLOR: '1' },
      tty: true,
    })
    expect(JSON.parse(plain.stdout).items.map((d: { id: string }) => d.id)).toContain(id)
  })

  it('an error prints no JSON body for a person: the line on stderr says it', async () => {
    const result = await runInProcess([...grace.slice(0, -1), 'Qxzzyvillez Nowhere'], {
      env: env(),
      tty: true,
    })
    expect(result.code).toBe(ExitCode.REMOTE)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^m2m: POST .* answered 422 .*DELIVERY_ERR_PLACE_NOT_FOUND/)
  })

  it('a delivery world-mappers could not plan yet is pending, in yellow, "-" in the table', async () => {
    const unplanned = await startGiftDeliveries(tenant.issuer, 'http://127.0.0.1:1')
    try {
      const pendingEnv = { ...env(), GIFT_DELIVERIES_URL: unplanned.url }
      const created = await runInProcess(grace, { env: pendingEnv, tty: true })
      expect(created.code).toBe(ExitCode.OK)
      expect(created.stdout).toContain(': \u001b[33mpending\u001b[39m, ')
      expect(stripColors(created.stdout)).toMatch(
        /^Created delivery [0-9a-f-]{36}: pending, to Auth0 Office, planned later/,
      )
      const listed = await runInProcess(['deliveries', 'list'], {
        env: { ...pendingEnv, NO_COLOR: '1' },
        tty: true,
      })
      expect(listed.stdout.split('\n')[1]).toMatch(
        /^[0-9a-f]{8} {2}pending {2}Grace Hopper {2}Auth0 Office +- {2}- +(just now|\d+ s ago)$/,
      )
    } finally {
      await unplanned.close()
    }
  })
})
