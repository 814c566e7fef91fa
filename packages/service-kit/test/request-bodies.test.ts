import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { nameFieldsInSchemaErrors, useStrictJsonBodies } from '../src/index.js'

async function appWithBodySchema(options: { allowEmpty?: boolean } = {}) {
  // As the services do: an unknown property is an error, not silently dropped.
  const app = Fastify({ ajv: { customOptions: { removeAdditional: false } } })
  useStrictJsonBodies(app, options)
  nameFieldsInSchemaErrors(app)
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) =>
    reply.code(error.statusCode ?? 500).send({ message: error.message }),
  )
  app.post(
    '/things',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { name: { type: 'string' }, size: { type: 'integer' } },
        },
      },
    },
    async (request) => request.body,
  )
  app.post('/rotate', async (request) => ({ body: request.body ?? null }))
  await app.ready()
  return app
}

const post = (app: Awaited<ReturnType<typeof appWithBodySchema>>, payload: string) =>
  app.inject({
    method: 'POST',
    url: '/things',
    headers: { 'content-type': 'application/json' },
    payload,
  })

describe('useStrictJsonBodies', () => {
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`refuses a body with a "${key}" key, at any depth, naming it and where it is`, async () => {
      const app = await appWithBodySchema()
      const response = await post(app, `{"name":"a","nested":{"${key}":{"polluted":true}}}`)
      expect(response.statusCode).toBe(400)
      expect(response.json().message).toBe(`body.nested must not contain the key "${key}"`)
      const top = await post(app, `{"${key}":{"polluted":true},"name":"a"}`)
      expect(top.json().message).toBe(`body must not contain the key "${key}"`)
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })
  }

  it('says the body is not valid JSON without echoing it back', async () => {
    const app = await appWithBodySchema()
    const response = await post(app, '{"name": "secret-looking-value"')
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toBe('body is not valid JSON')
    expect(response.body).not.toContain('secret-looking-value')
  })

  it('refuses an empty body', async () => {
    const app = await appWithBodySchema()
    expect((await post(app, '')).json().message).toBe('body must not be empty')
  })

  it('with allowEmpty, takes an empty body as none: a route without a body answers, one with a schema refuses', async () => {
    const app = await appWithBodySchema({ allowEmpty: true })
    const rotate = await app.inject({
      method: 'POST',
      url: '/rotate',
      headers: { 'content-type': 'application/json' },
      payload: '',
    })
    expect(rotate.statusCode).toBe(200)
    expect(rotate.json()).toEqual({ body: null })
    const things = await post(app, '')
    expect(things.statusCode).toBe(400)
    expect(things.json().message).toMatch(/body/)
  })

  it('passes a good body through', async () => {
    const app = await appWithBodySchema()
    const response = await post(app, '{"name":"box","size":2}')
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ name: 'box', size: 2 })
  })
})

describe('nameFieldsInSchemaErrors', () => {
  it('names the unknown property', async () => {
    const app = await appWithBodySchema()
    const response = await post(app, '{"name":"box","colour":"red"}')
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toBe('body must not have the property "colour"')
  })

  it('keeps the path of a nested or typed field', async () => {
    const app = await appWithBodySchema()
    const response = await post(app, '{"name":"box","size":"big"}')
    expect(response.json().message).toBe('body/size must be integer')
  })
})
