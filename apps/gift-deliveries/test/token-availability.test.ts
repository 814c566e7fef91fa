import { afterEach, describe, expect, it, vi } from 'vitest'
import { trackTokenAvailability } from '../src/planning/token-availability.js'

function fakeSource(outcomes: Array<'token' | 'fail'>) {
  const calls = { count: 0 }
  return {
    calls,
    invalidate: vi.fn(),
    async getToken() {
      const outcome = outcomes[Math.min(calls.count, outcomes.length - 1)]
      calls.count += 1
      if (outcome === 'fail') throw Object.assign(new Error('down'), { code: 'TOKEN_ERR_NETWORK' })
      return 'a-token'
    },
  }
}

const logger = () => ({ info: vi.fn(), warn: vi.fn() })

afterEach(() => {
  vi.useRealTimers()
})

describe('trackTokenAvailability', () => {
  it('is unknown until a token is asked for, then follows the outcome', async () => {
    const tracked = trackTokenAvailability(fakeSource(['fail', 'token']))
    expect(tracked.availability()).toBe('unknown')
    await expect(tracked.getToken()).rejects.toThrow('down')
    expect(tracked.availability()).toBe('unavailable')
    await expect(tracked.getToken()).resolves.toBe('a-token')
    expect(tracked.availability()).toBe('available')
  })

  it('fetches at start and probes with doubling pauses until a token comes', async () => {
    vi.useFakeTimers()
    const source = fakeSource(['fail', 'fail', 'fail', 'token'])
    const log = logger()
    const tracked = trackTokenAvailability(source, {
      probeIntervalMs: 1_000,
      maxProbeIntervalMs: 3_000,
      logger: log,
    })
    tracked.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(source.calls.count).toBe(1)
    await vi.advanceTimersByTimeAsync(1_000) // first probe after 1 s
    expect(source.calls.count).toBe(2)
    await vi.advanceTimersByTimeAsync(1_999) // the next pause is 2 s
    expect(source.calls.count).toBe(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(source.calls.count).toBe(3)
    await vi.advanceTimersByTimeAsync(3_000) // capped at 3 s
    expect(source.calls.count).toBe(4)
    expect(tracked.availability()).toBe('available')
    await vi.advanceTimersByTimeAsync(60_000) // available: no more probes
    expect(source.calls.count).toBe(4)
    // One warning for the outage, one line for the recovery: not one per probe.
    expect(log.warn).toHaveBeenCalledTimes(1)
    expect(log.warn.mock.calls[0]?.[0]).toEqual({ code: 'TOKEN_ERR_NETWORK' })
    expect(log.info).toHaveBeenCalledWith({}, 'world-mappers tokens available again')
    tracked.stop()
  })

  it('stops probing once stopped', async () => {
    vi.useFakeTimers()
    const source = fakeSource(['fail'])
    const tracked = trackTokenAvailability(source, { probeIntervalMs: 1_000 })
    tracked.start()
    await vi.advanceTimersByTimeAsync(0)
    tracked.stop()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(source.calls.count).toBe(1)
  })

  it('passes invalidate through to the provider', async () => {
    const source = fakeSource(['token'])
    await trackTokenAvailability(source).invalidate('a-token')
    expect(source.invalidate).toHaveBeenCalledWith('a-token')
  })
})
