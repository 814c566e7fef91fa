/**
 * What a DPoP proof's replay check costs in `createMemoryReplayCache` of
 * @m2m/auth, against the design it replaced (every key walked to sweep the
 * expired ones, once a minute and on every call while full), on a simulated
 * clock: a steady flow of new `jti`s, each kept 150 s (the plugin's default
 * window), with room to spare, and a flow that fills the cache (once full, a
 * cache stays full: a key expires for each new one). Rounds alternate the two
 * designs; CPU per call (µs, `process.cpuUsage`, the collector's work
 * included) over each flow's last seconds, when the cache is as full as the
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
  // 102,000 keys a window for 100,000 places: full after 147 s, then each new key
  // takes the place of one that has just expired.
  {
    name: 'at capacity',
    keysPerSecond: 680,
    maxEntries: 100_000,
    seconds: 170,
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
  let now = 1_000_000
  const cache = create({ now: () => now, maxEntries: flow.maxEntries })
  const verdicts: Record<ReplayCheck, number> = { new: 0, replayed: 0, full: 0 }
  const stepMs = 1000 / flow.keysPerSecond
  let before = process.cpuUsage()
  for (let second = 0; second < flow.seconds; second++) {
    if (second === flow.seconds - flow.measuredSeconds) {
      for (const name of Object.keys(verdicts) as ReplayCheck[]) verdicts[name] = 0
      before = process.cpuUsage()
    }
    for (let i = 0; i < flow.keysPerSecond; i++) {
      now += stepMs
      verdicts[cache.remember(`${JKT}:${randomUUID()}`, now + LIFETIME_MS)]++
    }
  }
  const { user, system } = process.cpuUsage(before)
  const calls = flow.keysPerSecond * flow.measuredSeconds
  return { micros: (user + system) / calls, verdicts, size: cache.size }
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
      'new / full (last round)',
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
