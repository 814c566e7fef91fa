import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { answerErrors, CodedError, defineError, InvalidRequestError } from '../src/index.js'

const NotThereError = defineError<[id: string]>('KIT_ERR_NOT_THERE', 'Nothing has id %j', 404)
const DownError = defineError<[]>('KIT_ERR_DOWN', 'Down; retry later', 503)
const BrokenError = defineError<[]>('KIT_ERR_BROKEN', 'Broken', 500)
class FamilyError extends CodedError {}
class MemberError extends defineError<[what: string], FamilyError>(
  'KIT_ERR_MEMBER',
  'member %s',
  409,
  FamilyError,
) {}

describe('defineError', () => {
  it('builds coded errors from a template, keeping the cause, named by their class', () => {
    const cause = new Error('root')
    const error = new NotThereError('a"b', { cause })
    expect(error).toBeInstanceOf(CodedError)
    expect(error).toMatchObject({ code: 'KIT_ERR_NOT_THERE', statusCode: 404 })
    expect(error.message).toBe('Nothing has id "a\\"b"')
    expect(error.cause).toBe(cause)
    const member = new MemberError('x')
    expect(member).toBeInstanceOf(FamilyError)
    expect(member.name).toBe('MemberError')
    expect(new InvalidRequestError('querystring/x is required')).toMatchObject({
      code: 'invalid_request',
      statusCode: 400,
      name: 'InvalidRequestError',
    })
  })
})

describe('answerErrors', () => {
  async function appThrowing(
    error: () => unknown,
    classify?: (e: unknown) => CodedError | undefined,
  ) {
    const lines: Array<{ level: number; msg: string }> = []
    const stream = { write: (line: string) => lines.push(JSON.parse(line)) }
    const app = Fastify({ logger: { level: 'info', stream } })
    answerErrors(app, classify ? { classify } : {})
    app.get('/boom', async () => {
      throw error()
    })
    app.post(
      '/body',
      { schema: { body: { type: 'object', required: ['name'] } } },
      async () => 'ok',
    )
    await app.ready()
    return { app, lines }
  }

  it('answers a coded error as itself, 503 with Retry-After, without an error log', async () => {
    for (const [make, status, code] of [
      [() => new NotThereError('x'), 404, 'KIT_ERR_NOT_THERE'],
      [() => new InvalidRequestError('bad x'), 400, 'invalid_request'],
      [() => new DownError(), 503, 'KIT_ERR_DOWN'],
      [() => new MemberError('y'), 409, 'KIT_ERR_MEMBER'],
    ] as const) {
      const { app, lines } = await appThrowing(make)
      const answer = await app.inject('/boom')
      expect(answer.statusCode).toBe(status)
      expect(answer.json()).toEqual({ error: code, message: make().message })
      expect(answer.headers['retry-after']).toBe(status === 503 ? '1' : undefined)
      expect(lines.filter((line) => line.level >= 50)).toEqual([])
      await app.close()
    }
  })

  it('logs a coded 5xx other than 503 as an error', async () => {
    const { app, lines } = await appThrowing(() => new BrokenError())
    expect((await app.inject('/boom')).json()).toEqual({
      error: 'KIT_ERR_BROKEN',
      message: 'Broken',
    })
    expect(lines.some((line) => line.level === 50 && line.msg === 'unexpected error')).toBe(true)
    await app.close()
  })

  it('answers a validation error 400 invalid_request, and Fastify 4xx with their status', async () => {
    const { app } = await appThrowing(() => new Error('unused'))
    const invalid = await app.inject({ method: 'POST', url: '/body', payload: {} })
    expect(invalid.statusCode).toBe(400)
    expect(invalid.json()).toEqual({
      error: 'invalid_request',
      message: "body must have required property 'name'",
    })
    const media = await app.inject({
      method: 'POST',
      url: '/body',
      headers: { 'content-type': 'application/x-unknown' },
      payload: 'x',
    })
    expect(media.statusCode).toBe(415)
    expect(media.json()).toMatchObject({ error: 'invalid_request' })
    await app.close()
  })

  it('answers anything else 500 internal_error, without its message, logged', async () => {
    const { app, lines } = await appThrowing(() => new TypeError('secret detail'))
    const answer = await app.inject('/boom')
    expect(answer.statusCode).toBe(500)
    expect(answer.json()).toEqual({ error: 'internal_error', message: 'Internal error' })
    expect(answer.body).not.toContain('secret detail')
    expect(lines.some((line) => line.level === 50)).toBe(true)
    await app.close()
  })

  it('answers what `classify` recognizes as that coded error, logging the original at warn', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const { app, lines } = await appThrowing(
      () => refused,
      (error) =>
        (error as { code?: string }).code === 'ECONNREFUSED' ? new DownError() : undefined,
    )
    const answer = await app.inject('/boom')
    expect(answer.statusCode).toBe(503)
    expect(answer.json()).toEqual({ error: 'KIT_ERR_DOWN', message: 'Down; retry later' })
    expect(lines.filter((line) => line.level === 40)).toEqual([
      expect.objectContaining({
        msg: 'Down; retry later',
        err: expect.objectContaining({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }),
      }),
    ])
    await app.close()
  })
})
