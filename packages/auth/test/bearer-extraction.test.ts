import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readBearerCredentials, readDpopCredentials } from '../src/fastify/bearer-extraction.js'

/** The parsing as first written (a regular expression and a lower-cased scheme), the reference. */
function referenceCredentials(authorization: string, scheme: 'bearer' | 'dpop') {
  const value = authorization.trim()
  if (value === '') return { kind: 'none' }
  const gap = value.search(/[ \t]/)
  const name = gap === -1 ? value : value.slice(0, gap)
  if (name.length !== scheme.length || name.toLowerCase() !== scheme) return { kind: 'none' }
  const credentials = gap === -1 ? '' : value.slice(gap).trim()
  return credentials === '' ? { kind: 'empty' } : { kind: 'token', credentials }
}

function outcome(read: () => string | undefined) {
  try {
    const credentials = read()
    return credentials === undefined ? { kind: 'none' } : { kind: 'token', credentials }
  } catch (error) {
    expect((error as Error).message).toMatch(/token is empty/)
    return { kind: 'empty' }
  }
}

const schemeLike = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR', 'DPoP', 'dpop', 'DPOP')
const near = fc.constantFrom(
  'Bearer',
  'DPoP',
  'Bear',
  'Bearers',
  'DPoPs',
  'Basic',
  'İearer',
  'ḃearer',
)
const gap = fc.constantFrom(' ', '\t', '  ', ' \t ', '', '\n', '\u00a0')
const authorization = fc.oneof(
  fc
    .tuple(fc.oneof(schemeLike, near), gap, fc.string({ unit: 'grapheme', maxLength: 40 }))
    .map(([scheme, space, rest]) => `${scheme}${space}${rest}`),
  fc
    .tuple(gap, schemeLike, gap, fc.stringMatching(/^[A-Za-z0-9._~+/-]{0,30}=*$/), gap)
    .map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 20 }),
)

describe('reading the Authorization scheme', () => {
  it('finds the same Bearer and DPoP credentials as the reference parsing, for any header', () => {
    fc.assert(
      fc.property(authorization, (header) => {
        expect(outcome(() => readBearerCredentials(header, {}))).toEqual(
          referenceCredentials(header, 'bearer'),
        )
        expect(outcome(() => readDpopCredentials(header))).toEqual(
          referenceCredentials(header, 'dpop'),
        )
      }),
      { numRuns: 5_000, seed: 15 },
    )
  })

  it('matches the scheme in any ASCII case and nothing that only looks like it', () => {
    expect(readBearerCredentials('bEARER abc', {})).toBe('abc')
    expect(readBearerCredentials('Bearer\tabc', {})).toBe('abc')
    expect(readBearerCredentials('Bearerabc', {})).toBeUndefined()
    expect(readBearerCredentials('Bearer\u00a0abc', {})).toBeUndefined()
    expect(readBearerCredentials('B\u0065arer abc', {})).toBe('abc')
    expect(readBearerCredentials('\u0042EARER abc', {})).toBe('abc')
    expect(readBearerCredentials('ßearer abc', {})).toBeUndefined()
    expect(readDpopCredentials('dPoP abc')).toBe('abc')
    expect(() => readDpopCredentials('DPoP')).toThrow(/the DPoP token is empty/)
    expect(readDpopCredentials('DPoPs abc')).toBeUndefined()
  })
})

describe('a second Authorization header', () => {
  const read = (rawHeaders: string[]) => () => readBearerCredentials(rawHeaders[1], {}, rawHeaders)

  it('is found whatever the case of either name', () => {
    for (const [first, second] of [
      ['authorization', 'authorization'],
      ['Authorization', 'AUTHORIZATION'],
      ['aUtHoRiZaTiOn', 'Authorization'],
    ] as const) {
      expect(read([first, 'Bearer a', 'Host', 'x', second, 'Bearer b'])).toThrow(
        'more than one Authorization header was sent',
      )
    }
  })

  it('is not a name that only looks like it', () => {
    for (const other of ['X-Authorization', 'Authorizatioo', 'Authorizatio@', 'Authorization2']) {
      expect(read(['Authorization', 'Bearer a', other, 'Bearer b'])()).toBe('a')
    }
  })
})
