import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatScopes,
  hasAllScopes,
  hasAnyScope,
  isScopeToken,
  missingScopes,
  parseScopes,
} from '../src/scopes.js'

describe('parseScopes', () => {
  const cases: Array<[string, unknown, string[]]> = [
    [
      'a space-delimited string',
      'geocode:location  directions',
      ['geocode:location', 'directions'],
    ],
    ['an array (scp)', ['a', 'b', 3, ''], ['a', 'b']],
    ['an empty string', '', []],
    ['a number', 42, []],
    ['undefined', undefined, []],
  ]
  for (const [name, input, expected] of cases) {
    it(`parses ${name}`, () => {
      expect([...parseScopes(input)]).toEqual(expected)
    })
  }
})

describe('formatScopes', () => {
  it('joins a list, de-duplicated, in the order given', () => {
    expect(formatScopes(['b', 'a', 'b'])).toBe('b a')
    expect(formatScopes(' a  b ')).toBe('a b')
  })

  for (const bad of ['a"b', 'a\\b', 'é']) {
    it(`refuses the invalid scope token ${JSON.stringify(bad)}`, () => {
      expect(isScopeToken(bad)).toBe(false)
      expect(() => formatScopes([bad])).toThrow(/Invalid scope token/)
    })
  }
})

describe('matching is exact', () => {
  const granted = parseScopes('geocode:location directions')
  const cases: Array<[string[], boolean, boolean]> = [
    [['geocode:location'], true, true],
    [['geocode:location', 'directions'], true, true],
    [['geocode:location2'], false, false],
    [['geocode:locatio'], false, false],
    [['GEOCODE:LOCATION'], false, false],
    [['geocode:location', 'read:deliveries'], false, true],
    [[], true, true],
  ]
  for (const [required, all, any] of cases) {
    it(`[${required.join(', ')}]: all-of ${all}, any-of ${any}`, () => {
      expect(hasAllScopes(granted, required)).toBe(all)
      expect(hasAnyScope(granted, required)).toBe(any)
    })
  }

  it('lists what is missing', () => {
    expect(missingScopes(granted, ['directions', 'read:deliveries', 'x'])).toEqual([
      'read:deliveries',
      'x',
    ])
  })

  it('answers the same for a list and any other iterable of the same scopes', () => {
    const scope = fc.constantFrom('a', 'b', 'c', 'd', 'read:x', 'write:x')
    fc.assert(
      fc.property(fc.uniqueArray(scope), fc.array(scope, { maxLength: 6 }), (held, required) => {
        const grantedSet = new Set(held)
        const every = required.every((s) => grantedSet.has(s))
        const some = required.length === 0 || required.some((s) => grantedSet.has(s))
        for (const form of [required, new Set(required), required.values()]) {
          expect(hasAllScopes(grantedSet, form)).toBe(every)
        }
        for (const form of [required, new Set(required), required.values()]) {
          expect(hasAnyScope(grantedSet, form)).toBe(some)
        }
      }),
      { numRuns: 2_000, seed: 15 },
    )
  })
})
