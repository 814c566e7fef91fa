/**
 * What a DPoP proof's replay check costs in `createMemoryReplayCache` of
 * @m2m/auth, against the design it replaced (every key walked to sweep the
 * expired ones, once a minute and on every call while full), on a simulated
 * clock: new `jti`s at a steady rate, each kept until its proof's whole-second
 * `iat` + 150 s (the plugin's default window), once with room to spare and
 * once past the cache's capacity (full for seconds of each window, refusing).
 * Rounds alternate the two designs; CPU per call (µs, `process.cpuUsage`
 * around the calls alone, the collector's work included, the keys made
 * before) over each flow's last seconds, when the cache is as full as the
 * flow keeps it.
 *
 *   pnpm --filter @m2m/bench replay-cache [rounds]
 */
import { randomUUID } from 'node:crypto'
import { createMemoryReplayCache, type MemoryReplayCache, type ReplayCheck } from '@m2m/auth/dpop'
import { count, renderText, spreadText } from './runner/format.js'
import { spread } from './runner/rounds.js'

const rounds = Number(process.argv[2] ?? 3)
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('rounds: 1 or more')

const LIFETIME_MS = 150_000

interface Flow {
  name: string
  keysPerSecond: number
  maxEntries: number
  seconds: number
  measuredSeconds: number
}

const FLOWS: Flow[] = [
  // About what one core of DPoP requests sends; 900,000 live keys.
  {
    name: 'steady, room to spare',
    keysPerSecond: 6_000,
    maxEntries: 1_000_000,
    seconds: 300,
    measuredSeconds: 60,
  },
  // 105,000 keys a window for 100,000 places: full from 143 s to 150 s, refusing, then
  // each second's keys expire together and make room for the next second's.
  {
    name: 'past capacity',
    keysPerSecond: 700,
    maxEntries: 100_000,
    seconds: 160,
    measuredSeconds: 20,
  },
]

/** The design before 2026-12-07: expired keys swept by walking every key. */
function createWalkingReplayCache(options: {
  now: () => number
  maxEntries: number
}): MemoryReplayCache {
  const entries = new Map<string, number>()
  let nextSweep = 0
  const sweep = (at: number) => {
    for (const [key, expiresAt] of entries) if (expiresAt <= at) entries.delete(key)
    nextSweep = at + 60_000
  }
  return {
    remember(key, expiresAtMs): ReplayCheck {
      const at = options.now()
      const known = entries.get(key)
      if (known !== undefined && known > at) return 'replayed'
      if (at >= nextSweep || entries.size >= options.maxEntries) sweep(at)
      if (entries.size >= options.maxEntries) return 'full'
      entries.set(key, expiresAtMs)
      return 'new'
    },
    get size() {
      return entries.size
    },
  }
}

const IMPLEMENTATIONS = [
  { name: 'createMemoryReplayCache (ours)', create: createMemoryReplayCache },
  { name: 'walking every key to sweep (before)', create: createWalkingReplayCache },
]

/** A thumbprint's length and a UUID's: the key the plugin records. */
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'

function runFlow(flow: Flow, create: (typeof IMPLEMENTATIONS)[number]['create']) {
  let now = 1_000_000_000
  const cache = create({ now: () => now, maxEntries: flow.maxEntries })
  const verdicts: Record<ReplayCheck, number> = { new: 0, replayed: 0, full: 0 }
  const stepMs = 1000 / flow.keysPerSecond
  let cpuMicros = 0
  for (let second = 0; second < flow.seconds; second++) {
    const measured = second >= flow.seconds - flow.measuredSeconds
    const keys = Array.from({ length: flow.keysPerSecond }, () => `${JKT}:${randomUUID()}`)
    const before = process.cpuUsage()
    for (const key of keys) {
      now += stepMs
      const expiresAtMs = Math.floor(now / 1000) * 1000 + LIFETIME_MS
      const verdict = cache.remember(key, expiresAtMs)
      if (measured) verdicts[verdict]++
    }
    const { user, system } = process.cpuUsage(before)
    if (measured) cpuMicros += user + system
  }
  return {
    micros: cpuMicros / (flow.keysPerSecond * flow.measuredSeconds),
    verdicts,
    size: cache.size,
  }
}

const micros = new Map<string, number[]>()
const last = new Map<string, ReturnType<typeof runFlow>>()
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? IMPLEMENTATIONS : [...IMPLEMENTATIONS].reverse()
  for (const flow of FLOWS) {
    for (const implementation of order) {
      const id = `${flow.name}\u0000${implementation.name}`
      const result = runFlow(flow, implementation.create)
      micros.set(id, [...(micros.get(id) ?? []), result.micros])
      last.set(id, result)
    }
  }
}

console.log(
  renderText({
    title: `A replay cache on a simulated clock, keys kept ${LIFETIME_MS / 1000} s; CPU per call over each flow's last seconds; ${rounds} alternating rounds; node ${process.version}`,
    columns: [
      'flow',
      'cache',
      'keys/s',
      'capacity',
      'µs per call',
      'new / full, measured (last round)',
      'keys held',
    ],
    rows: FLOWS.flatMap((flow) =>
      IMPLEMENTATIONS.map((implementation) => {
        const id = `${flow.name}\u0000${implementation.name}`
        const result = last.get(id)
        return [
          flow.name,
          implementation.name,
          count(flow.keysPerSecond),
          count(flow.maxEntries),
          spreadText(spread(micros.get(id) ?? []), (value) => value.toFixed(2)),
          `${count(result?.verdicts.new ?? 0)} / ${count(result?.verdicts.full ?? 0)}`,
          count(result?.size ?? 0),
        ]
      }),
    ),
  }),
)
