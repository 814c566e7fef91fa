import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAlive, repoRoot, type StackProcess, startStackProcess } from './helpers/stack-process.js'

const exec = promisify(execFile)

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>
}

describe('pnpm start, end to end', () => {
  let stack: StackProcess
  let token: string
  let deliveryId: string

  beforeAll(async () => {
    stack = await startStackProcess()
    await stack.waitFor(/Ctrl-C stops all three/)
  })
  afterAll(async () => {
    await stack?.cleanup()
  })

  it('prints the three URLs and pids once all three are ready', () => {
    const pids = stack.pids()
    expect(Object.keys(pids).sort()).toEqual(['auth-server', 'gift-deliveries', 'world-mappers'])
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(true)
    expect(stack.output()).toContain(`${stack.urls.authServer}/.well-known/openid-configuration`)
    expect(stack.output()).toContain(`${stack.urls.worldMappers}/docs`)
    expect(stack.output()).toContain(`${stack.urls.giftDeliveries}/docs`)
  })

  it('runs the printed example as pasted into a shell: a token, then a planned delivery', async () => {
    const banner = stack.output().split('Try it')[1] ?? ''
    const commands = banner
      .split('\n')
      .filter((line) => line.startsWith('TOKEN=') || line.startsWith('curl '))
    expect(commands).toHaveLength(3)
    const { stdout } = await exec('bash', ['-euo', 'pipefail', '-c', commands.join('\n')])
    const [created, listed] = stdout.split(/\n?(?=\{"items")/)
    expect(JSON.parse(created as string)).toMatchObject({
      status: 'planned',
      request: { destination: 'Auth0 Office' },
      clientId: 'storefront-dev',
    })
    expect(JSON.parse(listed as string).items).toHaveLength(1)
  })

  it('issues a Storefront token over HTTP with the dev credentials', async () => {
    const response = await fetch(`${stack.urls.authServer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: 'storefront-dev',
        client_secret: 'N7XLjWCLi63xbMTzZYZAG-d1sVggUWLvgDrMTGuvJAk',
        audience: 'urn:gift-deliveries',
      }),
    })
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 86_400 })
    token = body.access_token as string
    const payload = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString())
    expect(payload).toMatchObject({
      iss: `${stack.urls.authServer}/`,
      aud: 'urn:gift-deliveries',
      scope: 'create:deliveries read:deliveries',
    })
  })

  it('creates a delivery planned through world-mappers, and reads it back', async () => {
    const created = await fetch(`${stack.urls.giftDeliveries}/deliveries`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': 'e2e-order-1',
      },
      body: JSON.stringify({
        recipient: { name: 'Grace Hopper' },
        gift: { description: 'A nanosecond of wire' },
        destination: 'Arlington, Virginia',
      }),
    })
    expect(created.status).toBe(201)
    const delivery = await json(created)
    deliveryId = delivery.id as string
    expect(created.headers.get('location')).toBe(`/deliveries/${deliveryId}`)
    expect(delivery).toMatchObject({
      status: 'planned',
      route: { destination: { countryCode: 'US' } },
    })

    const read = await fetch(`${stack.urls.giftDeliveries}/deliveries/${deliveryId}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(read.status).toBe(200)
    expect(await json(read)).toEqual(delivery)
  })

  it('restarts gift-deliveries after it ends, and the delivery is still there', async () => {
    const before = stack.pids()['gift-deliveries'] as number
    const mark = stack.output().length
    process.kill(before, 'SIGTERM')
    await stack.waitFor(/gift-deliveries is ready again \(pid (\d+)\)/, 60_000, mark)
    const after = stack.pids()['gift-deliveries'] as number
    expect(after).not.toBe(before)
    expect(isAlive(before)).toBe(false)

    const read = await fetch(`${stack.urls.giftDeliveries}/deliveries/${deliveryId}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(read.status).toBe(200)
    expect(await json(read)).toMatchObject({ id: deliveryId, status: 'planned' })
  })

  describe('the m2m CLI against the running stack', () => {
    const m2m = (...args: string[]) =>
      exec('pnpm', ['-s', 'm2m', ...args, '--env-file', '.env.example'], {
        cwd: repoRoot,
        env: {
          ...process.env,
          ISSUER_BASE_URL: `${stack.urls.authServer}/`,
          GIFT_DELIVERIES_URL: stack.urls.giftDeliveries,
        },
      })

    it('prints a Storefront token and nothing else', async () => {
      const { stdout } = await m2m(
        'token',
        '--profile',
        'storefront',
        '--audience',
        'urn:gift-deliveries',
      )
      expect(stdout).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+\n$/)
    })

    it('lists the delivery created over HTTP', async () => {
      const { stdout } = await m2m('deliveries', 'list')
      expect(stdout).toContain(deliveryId)
    })

    it('calls world-mappers with a Gift Deliveries token', async () => {
      const { stdout } = await m2m(
        'call',
        `${stack.urls.worldMappers}/api/location/geocode?address=Oslo`,
        '--profile',
        'gift-deliveries',
        '--audience',
        'urn:worldmappers',
      )
      expect(JSON.parse(stdout)).toMatchObject({ results: [{ countryCode: 'NO' }] })
    })

    it("reads the tenant's exchange logs through the Management API", async () => {
      const { stdout } = await m2m('logs', '--json')
      const events = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; client_id: string })
      expect(events.some((e) => e.type === 'seccft' && e.client_id === 'storefront-dev')).toBe(true)
    })
  })

  it('stops all three on SIGTERM to pnpm, gift-deliveries first, leaving no process behind', async () => {
    const pids = Object.values(stack.pids())
    const mark = stack.output().length
    stack.child.kill('SIGTERM')
    await stack.waitFor(/all services stopped/, 60_000, mark)
    for (const pid of pids) expect(isAlive(pid)).toBe(false)
    const output = stack.output().slice(mark)
    const shutdownAt = (service: string) =>
      output.search(new RegExp(`${service} +\\| .*shutting down: finishing in-flight requests`))
    expect(shutdownAt('gift-deliveries')).toBeGreaterThan(-1)
    expect(shutdownAt('gift-deliveries')).toBeLessThan(shutdownAt('world-mappers'))
    expect(shutdownAt('gift-deliveries')).toBeLessThan(shutdownAt('auth-server'))
  })
})
