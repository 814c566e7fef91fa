import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as errors from '../src/errors.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const constructors = Object.entries(errors).filter(
  // The error classes (capitalized), not the classifying functions.
  ([name, value]) => typeof value === 'function' && /^[A-Z]/.test(name) && name !== 'AuthError',
) as Array<[string, new (...args: unknown[]) => errors.AuthError]>

describe('error codes', () => {
  const seen = new Map<string, string>()
  for (const [name, ErrorClass] of constructors) {
    const error = new ErrorClass('x', 'y')
    it(`${name} is an AuthError with a unique code, a status and a README row`, () => {
      expect(error).toBeInstanceOf(errors.AuthError)
      expect(error.code).toMatch(/^AUTH_ERR_[A-Z_]+$/)
      expect(seen.get(error.code) ?? name).toBe(name)
      seen.set(error.code, name)
      const row = new RegExp(`\\|\\s*\`${error.code}\`\\s*\\|\\s*${error.statusCode}\\s*\\|`)
      expect(readme).toMatch(row)
    })
  }

  it('keeps the cause', () => {
    const cause = new Error('root')
    expect(new errors.TokenNetworkError('timed out', { cause }).cause).toBe(cause)
  })
})
