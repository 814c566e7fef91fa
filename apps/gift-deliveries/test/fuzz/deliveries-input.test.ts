import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack } from '../helpers/stack.js'
import { type GiftDeliveries, startGiftDeliveries } from '../helpers/system.js'

// Property-based: whatever the body, id or query, gift-deliveries answers a
// 2xx or a 4xx that names the field at fault, never a 5xx, and leaves no
// promise rejected. Bodies are mutations of a valid one, so the fuzz reaches
// past the first required-field check.

let stack: Stack<GiftDeliveries>
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  stack = await startStack(startGiftDeliveries)
}, 60_000)

afterAll(async () => {
  await stack?.close()
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

const auth = () => ({ authorization: `Bearer ${stack.storefront}` })

function expectHandled(res: { statusCode: number; body: string }, fields: RegExp) {
  expect(res.statusCode, res.body).toBeLessThan(500)
  if (res.statusCode >= 400) {
    const { message } = JSON.parse(res.body) as { message?: unknown }
    expect(String(message), res.body).toMatch(fields)
  }
}

const valid = {
  recipient: { name: 'Ada Lovelace', email: 'ada@example.com' },
  gift: { description: 'A mechanical calculator' },
  destination: 'Paris',
}
type Path = [keyof typeof valid] | ['recipient', 'name' | 'email'] | ['gift', 'description']
const paths: Path[] = [
  ['recipient'],
  ['recipient', 'name'],
  ['recipient', 'email'],
  ['gift'],
  ['gift', 'description'],
  ['destination'],
]

function withValue(path: Path, value: unknown): Record<string, unknown> {
  const body = structuredClone(valid) as Record<string, Record<string, unknown> | unknown>
  if (path.length === 1) body[path[0]] = value
  else (body[path[0]] as Record<string, unknown>)[path[1]] = value
  return body as Record<string, unknown>
}

// Values that break types, bounds or storage: any JSON, long and odd text, coordinates.
const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', ' ', '\u0000', '\uD800', 'x'.repeat(600), '0,0', '91,0', '48.85,2.35'),
  fc.record({ lat: fc.jsonValue({ maxDepth: 0 }), lng: fc.jsonValue({ maxDepth: 0 }) }),
)

describe('POST /deliveries', () => {
  it('answers one hostile field without a 5xx, naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), hostile, async (path, value) => {
        const res = await stack.gifts.app.inject({
          method: 'POST',
          url: '/deliveries',
          headers: auth(),
          payload: withValue(path, value) as Record<string, string>,
        })
        expectHandled(res, new RegExp(`body|${path.join('|')}`))
      }),
      { numRuns: 80 },
    )
  })

  it('answers any JSON document as a body without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 3 }), async (text) => {
        const res = await stack.gifts.app.inject({
          method: 'POST',
          url: '/deliveries',
          headers: { ...auth(), 'content-type': 'application/json' },
          payload: text,
        })
        expectHandled(res, /body|recipient|gift|destination|origin|place/)
      }),
      { numRuns: 80 },
    )
  })

  it('answers any raw text sent as JSON without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 80 }), async (text) => {
        const res = await stack.gifts.app.inject({
          method: 'POST',
          url: '/deliveries',
          headers: { ...auth(), 'content-type': 'application/json' },
          payload: text,
        })
        expectHandled(res, /body|recipient|gift|destination|origin|place/)
      }),
      { numRuns: 80 },
    )
  })

  it('answers any Idempotency-Key without a 5xx, naming the header', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), async (key) => {
        const res = await stack.gifts.app.inject({
          method: 'POST',
          url: '/deliveries',
          headers: { ...auth(), 'idempotency-key': key },
          payload: { ...valid, destination: '48.85,2.35' },
        })
        expectHandled(res, /idempotency-key|Idempotency-Key/)
      }),
      { numRuns: 40 },
    )
  })
})

describe('GET /deliveries/:id and GET /deliveries', () => {
  it('answers any id without a 5xx (400 naming id, or 404)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uuid(), fc.string({ unit: 'binary', minLength: 1, maxLength: 60 })),
        async (id) => {
          const res = await stack.gifts.app.inject({
            url: `/deliveries/${encodeURIComponent(id)}`,
            headers: auth(),
          })
          expect([200, 400, 404]).toContain(res.statusCode)
          if (res.statusCode !== 200) expectHandled(res, /id/)
        },
      ),
      { numRuns: 100 },
    )
  })

  it('answers any status, limit and cursor without a 5xx, naming the parameter', async () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom(
        'planned',
        'pending',
        'failed',
        '0',
        '1',
        '100',
        '101',
        '-1',
        '1e1',
        'ZDE6MQ',
        'ZDE6MA',
      ),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.option(value, { nil: undefined }),
        fc.option(value, { nil: undefined }),
        fc.option(value, { nil: undefined }),
        async (status, limit, cursor) => {
          const search = new URLSearchParams()
          if (status !== undefined) search.set('status', status)
          if (limit !== undefined) search.set('limit', limit)
          if (cursor !== undefined) search.set('cursor', cursor)
          const res = await stack.gifts.app.inject({
            url: `/deliveries?${search}`,
            headers: auth(),
          })
          expectHandled(res, /status|limit|cursor/)
        },
      ),
      { numRuns: 100 },
    )
  })
})
