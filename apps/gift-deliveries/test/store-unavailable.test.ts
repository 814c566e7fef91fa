import { describe, expect, it } from 'vitest'
import { isStoreUnavailable } from '../src/store/unavailable.js'

const withCode = (code: string) => Object.assign(new Error('x'), { code })

describe('isStoreUnavailable', () => {
  const unavailable: Array<[string, unknown]> = [
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['SQLSTATE 08006 (connection failure)', withCode('08006')],
    ['SQLSTATE 57P01 (admin shutdown)', withCode('57P01')],
    ['SQLSTATE 57P03 (cannot connect now)', withCode('57P03')],
    [
      'node-postgres ending queries of a lost connection',
      new Error('Connection terminated unexpectedly'),
    ],
    [
      'a network error as the cause',
      new Error('query failed', { cause: withCode('ECONNREFUSED') }),
    ],
  ]
  for (const [what, error] of unavailable) {
    it(`is true for ${what}`, () => expect(isStoreUnavailable(error)).toBe(true))
  }

  const bugs: Array<[string, unknown]> = [
    ['a unique violation (23505)', withCode('23505')],
    ['a syntax error (42601)', withCode('42601')],
    ['a plain error', new Error('boom')],
    ['nothing', undefined],
  ]
  for (const [what, error] of bugs) {
    it(`is false for ${what}: a 500, not a retry`, () =>
      expect(isStoreUnavailable(error)).toBe(false))
  }
})
