import { describe, expect, it } from 'vitest'
import {
  ConfigError,
  readFlag,
  readHttpUrl,
  readInteger,
  readIssuer,
  readLogLevel,
} from '../src/index.js'

describe('readIssuer', () => {
  const cases = [
    [{}, 'http://localhost:4000/'],
    [{ ISSUER_BASE_URL: 'https://tenant.auth0.com' }, 'https://tenant.auth0.com/'],
    [{ AUTH0_DOMAIN: 'tenant.eu.auth0.com' }, 'https://tenant.eu.auth0.com/'],
  ]
  for (const [env, issuer] of cases) {
    it(`${JSON.stringify(env)} -> ${issuer}`, () => {
      expect(readIssuer(env, 'http://localhost:4000/')).toBe(issuer)
    })
  }
  const wrong = [
    [
      { ISSUER_BASE_URL: 'x', AUTH0_DOMAIN: 'y' },
      'AUTH0_DOMAIN: give ISSUER_BASE_URL or AUTH0_DOMAIN, not both',
    ],
    [{ AUTH0_DOMAIN: 'https://t.auth0.com/' }, 'AUTH0_DOMAIN: must be a host name'],
    [
      { ISSUER_BASE_URL: 'tenant.auth0.com' },
      'ISSUER_BASE_URL: must be an http(s) URL, got "tenant.auth0.com"',
    ],
  ]
  for (const [env, message] of wrong) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      expect(() => readIssuer(env, 'http://localhost:4000/')).toThrow(ConfigError)
      expect(() => readIssuer(env, 'http://localhost:4000/')).toThrow(message)
    })
  }
})
describe('scalar readers', () => {
  it('reads integers within bounds, naming the variable otherwise', () => {
    expect(readInteger({}, 'PORT', 3000)).toBe(3000)
    expect(readInteger({ PORT: '8080' }, 'PORT', 3000)).toBe(8080)
    expect(() => readInteger({ PORT: '1.5' }, 'PORT', 3000)).toThrow(
      'PORT: must be an integer from 0 to 65535, got "1.5"',
    )
    expect(() => readInteger({ N: '0' }, 'N', 1, 1, 10)).toThrow(
      'N: must be an integer from 1 to 10, got "0"',
    )
  })
  it('reads URLs, levels and flags', () => {
    expect(readHttpUrl({}, 'U', 'http://x')).toBe('http://x')
    expect(() => readHttpUrl({ U: 'ftp://x' }, 'U', 'http://x')).toThrow(
      'U: must be an http(s) URL',
    )
    expect(readLogLevel({ LOG_LEVEL: 'debug' })).toBe('debug')
    expect(() => readLogLevel({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL: must be one of fatal')
    expect([readFlag({}, 'F'), readFlag({ F: 'true' }, 'F'), readFlag({ F: '0' }, 'F')]).toEqual([
      false,
      true,
      false,
    ])
    expect(() => readFlag({ F: 'yes' }, 'F')).toThrow('F: must be 1/true or 0/false, got "yes"')
  })
})
