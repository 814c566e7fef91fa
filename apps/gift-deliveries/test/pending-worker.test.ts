import { describe, expect, it, vi } from 'vitest'
import type { Delivery, DeliveryRequest, DeliveryRoute } from '../src/deliveries/model.js'
import { type Planner, publicReason } from '../src/deliveries/plan-delivery.js'
import {
  DestinationNotFoundError,
  UpstreamRejectedError,
  UpstreamUnavailableError,
} from '../src/errors.js'
import {
  createBackoff,
  createPendingWorker,
  type PendingDeliveryStore,
  type WorkerLogger,
} from '../src/planning/pending-worker.js'

const T0 = Date.parse('2025-01-01T00:00:00Z')

function route(destination: string): DeliveryRoute {
  const place = { name: destination, lat: 1, lng: 2, region: null, country: 'X', countryCode: 'XX' }
  return {
    origin: { ...place, name: 'North Pole Depot' },
    destination: place,
    distanceKm: 10,
    estimatedDuration: { seconds: 600, text: '10 min', method: 'Road estimate' },
    heading: null,
    steps: [{ instruction: `Arrive at ${destination}`, distanceKm: 0 }],
    path: { type: 'LineString', coordinates: [[2, 1]] },
    note: 'A great-circle route',
  }
}

function delivery(id: string, destination: string, fields: Partial<Delivery> = {}): Delivery {
  const at = new Date(T0).toISOString()
  return {
    id,
    status: 'pending',
    request: { recipient: { name: 'Ada' }, gift: { description: 'A kite' }, destination },
    route: null,
    attempts: 0,
    lastError: null,
    nextAttemptAt: at,
    clientId: 'storefront-dev',
    createdAt: at,
    updatedAt: at,
    plannedAt: null,
    ...fields,
  }
}

/**
 * An in-memory store with the semantics the worker relies on: a claim leases
 * the rows it returns until `now + leaseMs` under a new claim id; recording an
 * outcome under a claim that no longer holds the row changes nothing; a
 * recorded outcome releases the lease and counts the attempt.
 */
function fakeStore(rows: Delivery[], clock: { now: number }) {
  const byId = new Map(rows.map((row) => [row.id, { ...row }]))
  const leasedUntil = new Map<string, number>()
  const claims = new Map<string, string>()
  let claimCount = 0
  const calls = { claimDue: [] as Array<[number, number]>, claimsInFlight: 0, maxClaimsInFlight: 0 }
  const update = (id: string, fields: Partial<Delivery>, claim?: string): Delivery => {
    const row = byId.get(id)
    if (!row) throw new Error(`no delivery ${id}`)
    if (row.status !== 'pending' || (claim !== undefined && claims.get(id) !== claim)) {
      return { ...row }
    }
    Object.assign(row, fields, { updatedAt: new Date(clock.now).toISOString() })
    leasedUntil.delete(id)
    claims.delete(id)
    return { ...row }
  }
  const store = {
    claimDue: vi.fn(async (limit: number, leaseMs: number) => {
      calls.claimDue.push([limit, leaseMs])
      calls.claimsInFlight++
      calls.maxClaimsInFlight = Math.max(calls.maxClaimsInFlight, calls.claimsInFlight)
      await Promise.resolve()
      calls.claimsInFlight--
      const due = [...byId.values()]
        .filter(
          (row) =>
            row.status === 'pending' &&
            Date.parse(row.nextAttemptAt ?? '') <= clock.now &&
            (leasedUntil.get(row.id) ?? 0) <= clock.now,
        )
        .slice(0, limit)
      const claim = `claim-${++claimCount}`
      for (const row of due) {
        leasedUntil.set(row.id, clock.now + leaseMs)
        claims.set(row.id, claim)
      }
      return due.map((row) => ({ ...row, claim }))
    }),
    markPlanned: vi.fn(async (id: string, planned: DeliveryRoute, claim?: string) =>
      update(
        id,
        {
          status: 'planned',
          route: planned,
          attempts: (byId.get(id)?.attempts ?? 0) + 1,
          lastError: null,
          nextAttemptAt: null,
          plannedAt: new Date(clock.now).toISOString(),
        },
        claim,
      ),
    ),
    markFailed: vi.fn(async (id: string, reason: string, claim?: string) =>
      update(
        id,
        {
          status: 'failed',
          attempts: (byId.get(id)?.attempts ?? 0) + 1,
          lastError: reason,
          nextAttemptAt: null,
        },
        claim,
      ),
    ),
    recordAttemptFailure: vi.fn(
      async (id: string, error: string, nextAttemptAt: Date, claim?: string) =>
        update(
          id,
          {
            attempts: (byId.get(id)?.attempts ?? 0) + 1,
            lastError: error,
            nextAttemptAt: nextAttemptAt.toISOString(),
          },
          claim,
        ),
    ),
  } satisfies PendingDeliveryStore
  return { store, calls, row: (id: string) => byId.get(id) as Delivery }
}

/** A planner answering by destination: a route, or the error listed for it. */
function fakePlanner(errors: Record<string, unknown> = {}) {
  return {
    plan: vi.fn(async (request: DeliveryRequest) => {
      const destination = request.destination as string
      if (destination in errors) throw errors[destination]
      return route(destination)
    }),
  } satisfies Planner
}

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

function recordingLogger() {
  const lines: Array<{ level: string; object: Record<string, unknown>; message: string }> = []
  const at = (level: string) => (object: object, message: string) =>
    lines.push({ level, object: object as Record<string, unknown>, message })
  const logger: WorkerLogger = { info: at('info'), warn: at('warn'), error: at('error') }
  return { logger, lines }
}

describe('a tick', () => {
  it('plans due deliveries and marks them planned', async () => {
    const clock = { now: T0 }
    const { store, row } = fakeStore([delivery('a', 'Lyon'), delivery('b', 'Paris')], clock)
    const planner = fakePlanner()
    const worker = createPendingWorker({ store, planner, now: () => clock.now })

    expect(await worker.runOnce()).toBe(2)
    expect(store.markPlanned).toHaveBeenCalledWith('a', route('Lyon'), 'claim-1')
    expect(store.markPlanned).toHaveBeenCalledWith('b', route('Paris'), 'claim-1')
    expect(row('a')).toMatchObject({ status: 'planned', attempts: 1, route: route('Lyon') })
    expect(planner.plan).toHaveBeenCalledWith(delivery('a', 'Lyon').request)
    expect(await worker.runOnce()).toBe(0)
    expect(planner.plan).toHaveBeenCalledTimes(2)
  })

  it('claims with batchSize and leaseMs (defaults 10 and 30 s)', async () => {
    const { store, calls } = fakeStore([], { now: T0 })
    await createPendingWorker({ store, planner: fakePlanner() }).runOnce()
    await createPendingWorker({
      store,
      planner: fakePlanner(),
      batchSize: 3,
      leaseMs: 500,
    }).runOnce()
    expect(calls.claimDue).toEqual([
      [10, 30_000],
      [3, 500],
    ])
  })

  it('a place that does not exist fails the delivery for good', async () => {
    const clock = { now: T0 }
    const notFound = new DestinationNotFoundError('destination', 'Xqzzyville')
    const { store, row } = fakeStore([delivery('a', 'Xqzzyville')], clock)
    const worker = createPendingWorker({
      store,
      planner: fakePlanner({ Xqzzyville: notFound }),
      now: () => clock.now,
    })

    expect(await worker.runOnce()).toBe(0)
    expect(store.markFailed).toHaveBeenCalledWith(
      'a',
      'No place matches destination "Xqzzyville"',
      'claim-1',
    )
    expect(store.recordAttemptFailure).not.toHaveBeenCalled()
    expect(row('a')).toMatchObject({ status: 'failed', lastError: notFound.message })
    expect(await worker.runOnce()).toBe(0)
    expect(store.markFailed).toHaveBeenCalledTimes(1)
  })

  const retryCases: Array<[string, unknown, 'warn' | 'error', RegExp]> = [
    [
      'upstream unavailable',
      new UpstreamUnavailableError('World-mappers answered 503'),
      'warn',
      /unavailable/,
    ],
    [
      'credentials rejected',
      new UpstreamRejectedError('World-mappers refused our credentials (403)', { status: 403 }),
      'error',
      /REJECTS our credentials/,
    ],
    ['an unexpected error', new TypeError('boom'), 'error', /unexpected/],
  ]
  for (const [name, error, level, logMessage] of retryCases) {
    it(`${name}: records the attempt and retries after backoff(attempts + 1)`, async () => {
      const clock = { now: T0 }
      const { store, row } = fakeStore([delivery('a', 'Lyon', { attempts: 2 })], clock)
      const backoff = vi.fn((attempts: number) => attempts * 1_000)
      const { logger, lines } = recordingLogger()
      const worker = createPendingWorker({
        store,
        planner: fakePlanner({ Lyon: error }),
        backoff,
        logger,
        now: () => clock.now,
      })

      expect(await worker.runOnce()).toBe(0)
      expect(backoff).toHaveBeenCalledWith(3)
      // the row gets the public reason; the detail is only logged
      expect(store.recordAttemptFailure).toHaveBeenCalledWith(
        'a',
        publicReason(error),
        new Date(T0 + 3_000),
        'claim-1',
      )
      expect(publicReason(error)).not.toContain((error as Error).message)
      expect(store.markFailed).not.toHaveBeenCalled()
      expect(row('a')).toMatchObject({ status: 'pending', attempts: 3 })
      expect(lines).toEqual([
        {
          level,
          message: expect.stringMatching(logMessage),
          object: expect.objectContaining({ deliveryId: 'a', attempts: 3 }),
        },
      ])

      // Not due before its time, due at it.
      clock.now = T0 + 2_999
      expect(await worker.runOnce()).toBe(0)
      expect(store.recordAttemptFailure).toHaveBeenCalledTimes(1)
      clock.now = T0 + 3_000
      expect(await worker.runOnce()).toBe(0)
      expect(backoff).toHaveBeenLastCalledWith(4)
      expect(store.recordAttemptFailure).toHaveBeenLastCalledWith(
        'a',
        publicReason(error),
        new Date(T0 + 3_000 + 4_000),
        expect.stringMatching(/^claim-/),
      )
    })
  }

  it("waits at least the upstream's Retry-After", async () => {
    const clock = { now: T0 }
    const { store } = fakeStore([delivery('a', 'Lyon')], clock)
    const worker = createPendingWorker({
      store,
      planner: fakePlanner({ Lyon: new UpstreamUnavailableError('503', { retryAfterMs: 7_000 }) }),
      backoff: () => 10,
      now: () => clock.now,
    })
    await worker.runOnce()
    expect(store.recordAttemptFailure).toHaveBeenCalledWith(
      'a',
      'World Mappers or the token endpoint is unavailable; planning will be retried',
      new Date(T0 + 7_000),
      'claim-1',
    )
  })

  it('a store failure on one delivery does not stop the others; its lease brings it back', async () => {
    const clock = { now: T0 }
    const { store, row } = fakeStore([delivery('a', 'Lyon'), delivery('b', 'Paris')], clock)
    store.markPlanned.mockRejectedValueOnce(new Error('connection lost'))
    const { logger, lines } = recordingLogger()
    const worker = createPendingWorker({
      store,
      planner: fakePlanner(),
      leaseMs: 1_000,
      logger,
      now: () => clock.now,
    })

    expect(await worker.runOnce()).toBe(1)
    expect(row('a').status).toBe('pending')
    expect(row('b').status).toBe('planned')
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'could not record a planning outcome' }),
    )
    expect(await worker.runOnce()).toBe(0) // still leased
    clock.now += 1_000
    expect(await worker.runOnce()).toBe(1)
    expect(row('a').status).toBe('planned')
  })
})

describe('leases and restarts (delegated to the store)', () => {
  it('a delivery leased by a worker that died is planned by another once the lease ends', async () => {
    const clock = { now: T0 }
    const { store, row } = fakeStore([delivery('a', 'Lyon')], clock)
    const hung = { plan: vi.fn(() => new Promise<DeliveryRoute>(() => {})) }
    const dead = createPendingWorker({
      store,
      planner: hung,
      leaseMs: 30_000,
      now: () => clock.now,
    })
    void dead.runOnce() // never settles: the process "dies" mid-plan

    await vi.waitFor(() => expect(hung.plan).toHaveBeenCalledTimes(1))
    const planner = fakePlanner()
    const next = createPendingWorker({ store, planner, leaseMs: 30_000, now: () => clock.now })
    expect(await next.runOnce()).toBe(0)
    expect(planner.plan).not.toHaveBeenCalled()

    clock.now = T0 + 30_000
    expect(await next.runOnce()).toBe(1)
    expect(row('a').status).toBe('planned')
  })

  it('a new worker carries on where a stopped one left off (state is in the store)', async () => {
    const clock = { now: T0 }
    const { store, row } = fakeStore([delivery('a', 'Lyon')], clock)
    const first = createPendingWorker({
      store,
      planner: fakePlanner({ Lyon: new UpstreamUnavailableError('down') }),
      backoff: () => 5_000,
      now: () => clock.now,
    })
    await first.runOnce()
    await first.stop()
    expect(row('a')).toMatchObject({
      attempts: 1,
      nextAttemptAt: new Date(T0 + 5_000).toISOString(),
    })

    clock.now = T0 + 5_000
    const second = createPendingWorker({ store, planner: fakePlanner(), now: () => clock.now })
    expect(await second.runOnce()).toBe(1)
    expect(row('a')).toMatchObject({ status: 'planned', attempts: 2 })
  })
})

describe('the loop', () => {
  it('never overlaps ticks: the next claim waits for the batch in flight', async () => {
    const clock = { now: T0 }
    const { store, calls } = fakeStore([delivery('a', 'Lyon')], clock)
    const gate = deferred<void>()
    const planner = {
      plan: vi.fn(async (request: DeliveryRequest) => {
        await gate.promise
        return route(request.destination as string)
      }),
    }
    const worker = createPendingWorker({ store, planner, intervalMs: 5, now: () => clock.now })
    worker.start()
    await vi.waitFor(() => expect(planner.plan).toHaveBeenCalledTimes(1))
    await new Promise((resolve) => setTimeout(resolve, 60)) // a dozen intervals
    expect(store.claimDue).toHaveBeenCalledTimes(1)

    // runOnce during a tick also waits its turn.
    const manual = worker.runOnce()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(store.claimDue).toHaveBeenCalledTimes(1)

    gate.resolve()
    expect(await manual).toBe(0)
    await vi.waitFor(() => expect(store.claimDue.mock.calls.length).toBeGreaterThan(3))
    await worker.stop()
    expect(calls.maxClaimsInFlight).toBe(1)
    expect(store.markPlanned).toHaveBeenCalledTimes(1)
  })

  it('stop() waits for the batch in flight, then no tick runs', async () => {
    const clock = { now: T0 }
    const { store, row } = fakeStore([delivery('a', 'Lyon')], clock)
    const gate = deferred<void>()
    const planner = {
      plan: vi.fn(async (request: DeliveryRequest) => {
        await gate.promise
        return route(request.destination as string)
      }),
    }
    const worker = createPendingWorker({ store, planner, intervalMs: 5, now: () => clock.now })
    worker.start()
    await vi.waitFor(() => expect(planner.plan).toHaveBeenCalledTimes(1))

    let stopped = false
    const stopping = worker.stop().then(() => {
      stopped = true
    })
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(stopped).toBe(false)

    gate.resolve()
    await stopping
    expect(row('a').status).toBe('planned')
    const claims = store.claimDue.mock.calls.length
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(store.claimDue).toHaveBeenCalledTimes(claims)
  })

  it('drains a backlog without waiting the interval while batches come back full', async () => {
    const clock = { now: T0 }
    const rows = ['a', 'b', 'c', 'd', 'e'].map((id) => delivery(id, `Town ${id}`))
    const { store } = fakeStore(rows, clock)
    const worker = createPendingWorker({
      store,
      planner: fakePlanner(),
      batchSize: 2,
      intervalMs: 60_000,
      now: () => clock.now,
    })
    worker.start()
    await vi.waitFor(() => expect(store.markPlanned).toHaveBeenCalledTimes(5))
    await worker.stop()
    expect(store.claimDue).toHaveBeenCalledTimes(3) // 2 + 2 + 1, then the interval
  })

  it('keeps ticking after the store fails to claim, and logs it', async () => {
    const clock = { now: T0 }
    const { store } = fakeStore([delivery('a', 'Lyon')], clock)
    store.claimDue.mockRejectedValueOnce(new Error('database is restarting'))
    const { logger, lines } = recordingLogger()
    const worker = createPendingWorker({
      store,
      planner: fakePlanner(),
      intervalMs: 5,
      logger,
      now: () => clock.now,
    })
    worker.start()
    await vi.waitFor(() => expect(store.markPlanned).toHaveBeenCalledTimes(1))
    await worker.stop()
    expect(lines).toContainEqual({
      level: 'error',
      object: { err: 'Error: database is restarting' },
      message: 'pending deliveries could not be claimed',
    })
  })

  it('start() twice runs one loop; the timer does not hold the process open', async () => {
    const { store, calls } = fakeStore([], { now: T0 })
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    const worker = createPendingWorker({ store, planner: fakePlanner(), intervalMs: 5 })
    worker.start()
    worker.start()
    await vi.waitFor(() => expect(store.claimDue.mock.calls.length).toBeGreaterThanOrEqual(4))
    await worker.stop()
    expect(calls.maxClaimsInFlight).toBe(1)
    // The worker's own timers: delay 0 (first tick) or intervalMs.
    const timers = setTimeoutSpy.mock.calls
      .map((call, index) => [call[1], setTimeoutSpy.mock.results[index]?.value] as const)
      .filter(([delay]) => delay === 0 || delay === 5)
      .map(([, timer]) => timer as NodeJS.Timeout)
    expect(timers.length).toBeGreaterThan(0)
    expect(timers.some((timer) => timer.hasRef())).toBe(false)
  })

  it('refuses options that would make it spin', () => {
    const { store } = fakeStore([], { now: T0 })
    for (const option of ['intervalMs', 'leaseMs', 'batchSize'] as const) {
      expect(() => createPendingWorker({ store, planner: fakePlanner(), [option]: 0 })).toThrow(
        `${option} must be a positive number, got 0`,
      )
    }
  })
})

describe('createBackoff: exponential, full jitter, base 1 s, cap 5 min', () => {
  const top = () => 0.999_999_9
  const cases: Array<[attempts: number, random: () => number, expected: number]> = [
    [1, top, 999],
    [2, top, 1_999],
    [3, top, 3_999],
    [9, top, 255_999],
    [10, top, 299_999],
    [5_000, top, 299_999],
    [1, () => 0, 0],
    [10, () => 0.5, 150_000],
    [3, () => 0.25, 1_000],
  ]
  for (const [attempts, random, expected] of cases) {
    it(`attempt ${attempts}, random ${random()} → ${expected} ms`, () => {
      expect(createBackoff({ random })(attempts)).toBe(expected)
    })
  }

  it('stays within [0, ceiling) with the default random', () => {
    const backoff = createBackoff()
    for (let attempts = 1; attempts <= 20; attempts++) {
      const delay = backoff(attempts)
      expect(delay).toBeGreaterThanOrEqual(0)
      expect(delay).toBeLessThan(Math.min(300_000, 1_000 * 2 ** (attempts - 1)))
    }
  })

  it('takes another base and cap', () => {
    expect(createBackoff({ baseMs: 100, capMs: 250, random: top })(3)).toBe(249)
  })
})
