import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ownCopy } from '../src/geo/own-string.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapAfterGc(): number {
  gc()
  gc()
  return getHeapStatistics().used_heap_size
}

describe('ownCopy', () => {
  it('is equal to what it copies, whatever the string (fast-check, 3,000 runs)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 1500 }), fc.nat(40), (text, cut) => {
        const slice = text.slice(Math.min(cut, text.length))
        expect(ownCopy(slice)).toBe(slice)
      }),
      { numRuns: 3000, seed: 15 },
    )
  })

  it('keeps neither the text a name was cut from nor a second object per name', () => {
    const count = 100_000
    const copies: string[] = new Array(count).fill('')
    const before = heapAfterGc()
    {
      let text = 'x'.repeat(20_000_000)
      text = `${text}${'abcdefghijklmnopqrstu'.repeat(10)}`
      for (let i = 0; i < count; i++)
        copies[i] = ownCopy(text.slice(20_000_000 + (i % 100)).slice(0, 21))
    }
    const grown = heapAfterGc() - before
    expect(copies[7]).toBe('hijklmnopqrstuabcdefg')
    // A flat 21-unit string is about 40 bytes; a view into a copy one unit longer (the former
    // copy) is about 72: the bound tells the two apart, and a kept 20 MB text fails it outright.
    expect(grown / count).toBeLessThan(56)
  })
})
