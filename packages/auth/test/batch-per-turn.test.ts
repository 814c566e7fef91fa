import { describe, expect, it, vi } from 'vitest'
import { batchPerTurn } from '../src/batch-per-turn.js'

describe('batchPerTurn', () => {
  it('runs the calls of one turn back to back, in order, after the turn', async () => {
    const seen: string[] = []
    const upper = batchPerTurn((text: string) => {
      seen.push(text)
      return text.toUpperCase()
    })
    const answers = Promise.all(['a', 'b', 'c'].map((text) => upper(text)))
    expect(seen).toEqual([]) // nothing ran inside the caller's turn
    expect(await answers).toEqual(['A', 'B', 'C'])
    expect(seen).toEqual(['a', 'b', 'c'])
    // a later turn is a new batch
    expect(await upper('d')).toBe('D')
    expect(seen).toEqual(['a', 'b', 'c', 'd'])
  })

  it('rejects only the call that threw', async () => {
    const checked = batchPerTurn((n: number) => {
      if (n === 2) throw new Error('two')
      return n * 10
    })
    const results = await Promise.allSettled([1, 2, 3].map((n) => checked(n)))
    expect(results).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('two') },
      { status: 'fulfilled', value: 30 },
    ])
  })

  it('takes calls made while a batch runs into the next one', async () => {
    const order: number[] = []
    let inner: Promise<number> | undefined
    const run = batchPerTurn((n: number): number => {
      order.push(n)
      if (n === 1) inner = run(99)
      return n
    })
    await Promise.all([run(1), run(2)])
    expect(await inner).toBe(99)
    expect(order).toEqual([1, 2, 99])
  })

  it('runs its batches on the real timers when a test fakes them afterwards', async () => {
    const double = batchPerTurn((n: number) => n * 2)
    vi.useFakeTimers()
    try {
      expect(await Promise.all([double(1), double(2)])).toEqual([2, 4])
    } finally {
      vi.useRealTimers()
    }
  }, 5_000)
})
