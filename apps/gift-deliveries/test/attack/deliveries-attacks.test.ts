import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Stack, startStack } from '../helpers/stack.js'
import { type SpiedGiftDeliveries, startSpiedGiftDeliveries } from './helpers/spied-app.js'

// Hostile requests at the real gift-deliveries app: credentials in the wrong
// place, tokens for another API, prototype pollution and SQL-ish text in
// bodies, paths and queries. Each refusal is checked exactly, and the store
// and planner (the handlers' only collaborators) must not have been called.

const REALM = 'urn:gift-deliveries'

let stack: Stack<SpiedGiftDeliveries>
let callsBefore: number

const delivery = (extra: Record<string, unknown> = {}) => ({
  recipient: { name: 'Ada Lovelace' },
  gift: { description: 'A mechanical calculator' },
  destination: 'Paris',
  ...extra,
})

beforeAll(async () => {
  stack = await startStack(({ issuer, worldMappersUrl }) =>
    startSpiedGiftDeliveries(issuer, worldMappersUrl),
  )
}, 60_000)

afterAll(async () => {
  await stack?.close()
})

beforeEach(() => {
  callsBefore = stack.gifts.handlerCalls()
})

function expectHandlerNotRun() {
  expect(stack.gifts.handlerCalls()).toBe(callsBefore)
}

function expectPrototypeClean() {
  for (const name of ['polluted', 'isAdmin', 'scope']) {
    expect(Object.hasOwn(Object.prototype, name)).toBe(false)
    expect(({} as Record<string, unknown>)[name]).toBeUndefined()
  }
}

const jsonHeaders = () => ({
  authorization: `Bearer ${stack.storefront}`,
  'content-type': 'application/json',
})

describe('credentials', () => {
  it('answers POST /deliveries without a token with a bare Bearer challenge', async () => {
    expect(
      await stack.gifts.call(
        'POST',
        '/deliveries',
        { 'content-type': 'application/json' },
        JSON.stringify(delivery()),
      ),
    ).toEqual({
      statusCode: 401,
      wwwAuthenticate: `Bearer realm="${REALM}"`,
      body: {
        error: 'unauthorized',
        error_description: 'An Authorization header with a Bearer token is required',
      },
    })
    expectHandlerNotRun()
  })

  it('refuses a world-mappers token (another audience) at GET /deliveries', async () => {
    const token = await stack.tenant.token('GIFT_DELIVERIES', 'urn:worldmappers')
    const description = 'The token claims are invalid: The aud claim value is not allowed.'
    expect(
      await stack.gifts.call('GET', '/deliveries', { authorization: `Bearer ${token}` }),
    ).toEqual({
      statusCode: 401,
      wwwAuthenticate: `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`,
      body: { error: 'invalid_token', error_description: description },
    })
    expectHandlerNotRun()
  })

  it('refuses two Authorization headers at POST /deliveries', async () => {
    const description =
      'The authorization request is malformed: more than one Authorization header was sent'
    expect(
      await stack.gifts.call(
        'POST',
        '/deliveries',
        [
          'authorization',
          `Bearer ${stack.storefront}`,
          'authorization',
          'Bearer x',
          'content-type',
          'application/json',
        ],
        JSON.stringify(delivery()),
      ),
    ).toEqual({
      statusCode: 400,
      wwwAuthenticate: `Bearer realm="${REALM}", error="invalid_request", error_description="${description}"`,
      body: { error: 'invalid_request', error_description: description },
    })
    expectHandlerNotRun()
  })

  it('refuses a token in the query string of POST /deliveries', async () => {
    const description =
      'The authorization request is malformed: access tokens in the query string are not accepted; send an Authorization: Bearer header'
    expect(
      await stack.gifts.call(
        'POST',
        `/deliveries?access_token=${stack.storefront}`,
        jsonHeaders(),
        JSON.stringify(delivery()),
      ),
    ).toEqual({
      statusCode: 400,
      wwwAuthenticate: `Bearer realm="${REALM}", error="invalid_request", error_description="${description}"`,
      body: { error: 'invalid_request', error_description: description },
    })
    expectHandlerNotRun()
  })

  it('reads no token from a form body: a form POST with header and access_token field is 415, unparsed', async () => {
    expect(
      await stack.gifts.call(
        'POST',
        '/deliveries',
        {
          authorization: `Bearer ${stack.storefront}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        `access_token=${stack.storefront}`,
      ),
    ).toEqual({
      statusCode: 415,
      wwwAuthenticate: undefined,
      body: { error: 'invalid_request', message: 'Unsupported Media Type' },
    })
    expectHandlerNotRun()
  })
})

describe('prototype pollution in POST /deliveries bodies', () => {
  // [name, payload, what the answer names: where the key is, and the key]
  const payloads: Array<[string, string, string]> = [
    [
      'a top-level __proto__',
      '{"__proto__":{"polluted":true},"recipient":{"name":"a"},"gift":{"description":"b"},"destination":"Paris"}',
      'body must not contain the key "__proto__"',
    ],
    [
      'a nested __proto__',
      '{"recipient":{"name":"a","__proto__":{"isAdmin":true}},"gift":{"description":"b"},"destination":"Paris"}',
      'body.recipient must not contain the key "__proto__"',
    ],
    [
      'constructor.prototype',
      '{"constructor":{"prototype":{"polluted":true}},"recipient":{"name":"a"},"gift":{"description":"b"},"destination":"Paris"}',
      'body.constructor must not contain the key "prototype"',
    ],
    [
      'a nested constructor.prototype',
      '{"recipient":{"name":"a"},"gift":{"description":"b","constructor":{"prototype":{"scope":"admin"}}},"destination":"Paris"}',
      'body.gift.constructor must not contain the key "prototype"',
    ],
    [
      'a prototype field',
      '{"prototype":{"polluted":true},"recipient":{"name":"a"},"gift":{"description":"b"},"destination":"Paris"}',
      'body must not contain the key "prototype"',
    ],
  ]
  for (const [name, raw, message] of payloads) {
    it(`refuses ${name} with a clear 400 and leaves Object.prototype clean`, async () => {
      const answer = await stack.gifts.call('POST', '/deliveries', jsonHeaders(), raw)
      expect(answer.statusCode).toBe(400)
      expect(answer.wwwAuthenticate).toBeUndefined()
      expect(answer.body).toEqual({
        error: 'invalid_request',
        message,
      })
      expectPrototypeClean()
      expectHandlerNotRun()
    })
  }
})

describe('SQL-ish text', () => {
  it('stores SQL-ish text in a name verbatim, as data (parameterized queries)', async () => {
    const name = "Robert'); DROP TABLE deliveries; --"
    const created = await stack.gifts.call(
      'POST',
      '/deliveries',
      jsonHeaders(),
      JSON.stringify(delivery({ recipient: { name } })),
    )
    expect(created.statusCode).toBe(201)
    const id = (created.body as { id: string }).id
    const read = await stack.gifts.call('GET', `/deliveries/${id}`, {
      authorization: `Bearer ${stack.storefront}`,
    })
    expect(read.statusCode).toBe(200)
    expect(read.body).toMatchObject({ request: { recipient: { name } } })
    const list = await stack.gifts.call('GET', '/deliveries', {
      authorization: `Bearer ${stack.storefront}`,
    })
    expect(list.statusCode).toBe(200)
  })

  const refused: Array<[string, string, string, boolean]> = [
    [
      'an id',
      `/deliveries/${encodeURIComponent("' OR '1'='1")}`,
      'params/id must match format "uuid"',
      true,
    ],
    [
      'a cursor',
      `/deliveries?cursor=${encodeURIComponent("1' OR '1'='1")}`,
      'The cursor is not valid',
      false,
    ],
    [
      'a status',
      `/deliveries?status=${encodeURIComponent("planned' OR '1'='1")}`,
      'querystring/status must be equal to one of the allowed values',
      true,
    ],
    [
      'a limit',
      `/deliveries?limit=${encodeURIComponent('1; DELETE FROM deliveries')}`,
      'querystring/limit must be integer',
      true,
    ],
  ]
  for (const [where, path, message, bySchema] of refused) {
    it(`refuses SQL-ish text in ${where} with a 400 naming it`, async () => {
      const answer = await stack.gifts.call('GET', path, {
        authorization: `Bearer ${stack.storefront}`,
      })
      expect(answer.statusCode).toBe(400)
      expect(answer.wwwAuthenticate).toBeUndefined()
      expect(answer.body).toEqual({ error: expect.any(String), message })
      // The schema refuses it before the handler; a cursor is decoded (and refused) by the store.
      if (bySchema) expectHandlerNotRun()
    })
  }
})

describe('JSON bodies that are not JSON', () => {
  it('refuses a syntax error without echoing the body back', async () => {
    const answer = await stack.gifts.call(
      'POST',
      '/deliveries',
      jsonHeaders(),
      '{"recipient": SECRET-ish',
    )
    expect(answer).toEqual({
      statusCode: 400,
      wwwAuthenticate: undefined,
      body: { error: 'invalid_request', message: 'body is not valid JSON' },
    })
    expectHandlerNotRun()
  })

  it('refuses an empty JSON body', async () => {
    const answer = await stack.gifts.call('POST', '/deliveries', jsonHeaders(), '')
    expect(answer).toEqual({
      statusCode: 400,
      wwwAuthenticate: undefined,
      body: { error: 'invalid_request', message: 'body must not be empty' },
    })
    expectHandlerNotRun()
  })
})
