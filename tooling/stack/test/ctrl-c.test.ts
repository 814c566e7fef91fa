import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAlive, type StackProcess, startStackProcess } from './helpers/stack-process.js'

const storefront = {
  grant_type: 'client_credentials',
  client_id: 'storefront-dev',
  client_secret: 'N7XLjWCLi63xbMTzZYZAG-d1sVggUWLvgDrMTGuvJAk',
  audience: 'urn:gift-deliveries',
}

async function storefrontToken(stack: StackProcess): Promise<string> {
  const response = await fetch(`${stack.urls.authServer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(storefront),
  })
  return ((await response.json()) as { access_token: string }).access_token
}

describe('Ctrl-C in the terminal running `pnpm start`', () => {
  let stack: StackProcess
  beforeAll(async () => {
    // A terminal sends SIGINT to its whole foreground process group: pnpm, sh and the stack.
    stack = await startStackProcess({}, { ownProcessGroup: true })
    await stack.waitFor(/Ctrl-C stops all three/)
  })
  afterAll(async () => {
    await stack?.cleanup()
  })

  it('lets in-flight deliveries finish, stops all three and leaves no process', async () => {
    const token = await storefrontToken(stack)
    const pids = Object.values(stack.pids())
    const mark = stack.output().length
    const requests = Array.from({ length: 20 }, (_, i) =>
      fetch(`${stack.urls.giftDeliveries}/deliveries`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': `ctrl-c-${i}`,
        },
        body: JSON.stringify({
          recipient: { name: `Recipient ${i}` },
          gift: { description: 'A book' },
          destination: 'Oslo',
        }),
      }).then(
        (response) => ({ status: response.status }),
        (error: Error & { cause?: { code?: string } }) => ({
          error: error.cause?.code ?? 'unknown',
        }),
      ),
    )
    await stack.waitFor(/gift-deliveries +\| .*"url":"\/deliveries"/, 10_000, mark)
    process.kill(-(stack.child.pid as number), 'SIGINT')

    const outcomes = await Promise.all(requests)
    await stack.waitFor(/all services stopped/, 60_000, mark)
    for (const pid of pids) expect(isAlive(pid)).toBe(false)
    // A clean stop ends cleanly: the stack exits 0, its shell and pnpm with it,
    // and pnpm prints no "ELIFECYCLE Command failed." (pnpm got the SIGINT too).
    expect(await stack.exited).toBe(0)
    await stack.closed
    expect(stack.output()).not.toMatch(/ELIFECYCLE|Command failed/)
    // Answered, or refused: a connection accepted but not yet read when the
    // server closed is reset (Node closes idle sockets on close), and the client
    // retries with its Idempotency-Key (checked below).
    for (const outcome of outcomes) {
      if ('status' in outcome) expect([201, 202, 503]).toContain(outcome.status)
      else expect(['ECONNREFUSED', 'ECONNRESET']).toContain(outcome.error)
    }
    expect(outcomes.filter((o) => 'status' in o && o.status === 201).length).toBeGreaterThan(0)
    expect(stack.output().slice(mark)).toMatch(/m2m +\| SIGINT: stopping gift-deliveries/)

    // Started again on the same data: every accepted delivery is there, and the
    // retries of the others create each at most once.
    const again = await startStackProcess({
      AUTH_SERVER_DATA_DIR: stack.env.AUTH_SERVER_DATA_DIR as string,
      GIFT_DELIVERIES_DATA_DIR: stack.env.GIFT_DELIVERIES_DATA_DIR as string,
    })
    try {
      await again.waitFor(/Ctrl-C stops all three/)
      const retryToken = await storefrontToken(again)
      const retried = await Promise.all(
        outcomes.map(async (outcome, i) => {
          const response = await fetch(`${again.urls.giftDeliveries}/deliveries`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${retryToken}`,
              'content-type': 'application/json',
              'idempotency-key': `ctrl-c-${i}`,
            },
            body: JSON.stringify({
              recipient: { name: `Recipient ${i}` },
              gift: { description: 'A book' },
              destination: 'Oslo',
            }),
          })
          return {
            accepted: 'status' in outcome && outcome.status !== 503,
            status: response.status,
            replayed: response.headers.get('idempotent-replayed') === 'true',
          }
        }),
      )
      // A retry of an accepted delivery is a replay of the stored one, never a new row.
      for (const r of retried) {
        expect([200, 201, 202]).toContain(r.status)
        if (r.accepted) expect(r.replayed).toBe(true)
      }
      const list = await fetch(`${again.urls.giftDeliveries}/deliveries?limit=100`, {
        headers: { authorization: `Bearer ${retryToken}` },
      })
      const { items } = (await list.json()) as {
        items: { request: { recipient: { name: string } } }[]
      }
      const names = items.map((item) => item.request.recipient.name)
      expect(new Set(names).size).toBe(names.length)
      expect(names).toHaveLength(20)
    } finally {
      again.child.kill('SIGTERM')
      await again.waitFor(/all services stopped/, 60_000).catch(() => undefined)
      await again.cleanup()
    }
  })
})
