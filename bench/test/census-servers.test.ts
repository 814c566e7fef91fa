import { describe, expect, it } from 'vitest'
import {
  CENSUS_SIDES,
  censusSide,
  censusSidesFor,
  toAnswerFirst,
} from '../src/runner/census-servers.js'

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

  it('bring `bare:` probes last, after world-mappers and the bare route they are compared with', () => {
    expect(ids('bare:logger,bare-all,bare:auth+logger')).toEqual([
      'world-mappers',
      'bare',
      'bare-all',
      'bare:logger',
      'bare:auth+logger',
    ])
  })

  it('name what they do not know', () => {
    expect(() => censusSidesFor('ours,nobody')).toThrow(/unknown: nobody \(known: no-auth, /)
  })

  it('take a bare route with the layers a `bare:` id joins with +, after world-mappers', () => {
    const side = censusSide('bare:logger+auth')
    expect(side).toMatchObject({ id: 'bare:logger+auth', baseline: 'bare', after: 'world-mappers' })
    expect(side.label).toBe('scenario 8: the bare route + logger, auth')
    expect(censusSide('bare-all')).toBe(CENSUS_SIDES.find((known) => known.id === 'bare-all'))
    for (const bad of ['bare:', 'bare:logger,auth', 'bare:+auth', 'nobody']) {
      expect(() => censusSide(bad)).toThrow(/unknown: .*bare:<layer>\+<layer>/)
    }
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

describe('servers that answer first, alone', () => {
  const sides = (list: string) => list.split(',').map(censusSide)

  it('starts world-mappers alone when a bare route needs its body and it is not listed', () => {
    expect(toAnswerFirst(sides('bare,bare-all'))).toEqual(['world-mappers'])
  })

  it('starts it alone too when it is listed after a bare route (its body came too late)', () => {
    expect(toAnswerFirst(sides('bare,world-mappers'))).toEqual(['world-mappers'])
  })

  it('does not when it is listed before every bare route, or nothing needs it', () => {
    expect(toAnswerFirst(sides('world-mappers,bare,bare-all'))).toEqual([])
    expect(toAnswerFirst(sides('no-auth,ours'))).toEqual([])
  })
})
