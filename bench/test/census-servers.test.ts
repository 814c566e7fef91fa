import { describe, expect, it } from 'vitest'
import { CENSUS_SIDES, censusSidesFor } from '../src/runner/census-servers.js'

const ids = (list?: string) => censusSidesFor(list).map((side) => side.id)

describe('census sides', () => {
  it('are every server without a list', () => {
    expect(ids()).toEqual(CENSUS_SIDES.map((side) => side.id))
  })

  it('bring the sides each is compared with, and theirs, in census order', () => {
    expect(ids('ours')).toEqual(['no-auth', 'empty-hook', 'ours'])
    expect(ids('empty-hook')).toEqual(['no-auth', 'empty-hook'])
    expect(ids('no-auth')).toEqual(['no-auth'])
  })

  it("bring world-mappers before a bare route, whose body is world-mappers' answer", () => {
    expect(ids('bare-telemetry')).toEqual(['world-mappers', 'bare', 'bare-telemetry'])
    expect(ids('world-mappers')).toEqual(['world-mappers', 'bare', 'bare-all'])
    expect(ids('bare')).toEqual(['world-mappers', 'bare'])
    const order = ids('bare-all,no-auth')
    expect(order).toEqual(['no-auth', 'world-mappers', 'bare', 'bare-all'])
  })

  it('name what they do not know', () => {
    expect(() => censusSidesFor('ours,nobody')).toThrow(/unknown: nobody \(known: no-auth, /)
  })

  it('run every compared side after the side it is compared with, and every bare route after world-mappers', () => {
    const position = new Map(CENSUS_SIDES.map((side, index) => [side.id, index]))
    for (const side of CENSUS_SIDES) {
      const own = position.get(side.id) as number
      if (side.after) expect(position.get(side.after)).toBeLessThan(own)
    }
    expect(new Set(position.keys()).size).toBe(CENSUS_SIDES.length)
  })
})
