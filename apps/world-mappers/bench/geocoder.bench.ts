/**
 * In-process benchmark of the gazetteer: start-up time, heap, and queries per second with p50/p99
 * latency for geocode, reverse and nearby over a fixed query set. Not a test.
 *
 *   pnpm --filter @m2m/world-mappers bench            # table
 *   pnpm --filter @m2m/world-mappers bench -- --json  # JSON
 *
 * Run node with --expose-gc (NODE_OPTIONS=--expose-gc) for a heap figure after garbage collection.
 */
import { fileURLToPath } from 'node:url'
import { loadGazetteer } from '../src/geo/gazetteer.js'

const PLACES_FILE = fileURLToPath(new URL('../config/places.yaml', import.meta.url))
/** Each operation runs its query set until it has made about this many calls. */
const CALLS = 20_000

/** Real queries of every kind the API sees: plain, accented, qualified, coordinates, no match. */
const GEOCODE_QUERIES = [
  'Paris',
  'Paris, TX',
  'Portland',
  'Portland, ME',
  'Bellevue, WA, US',
  'Bellevue, Washington',
  'Seattle',
  'New York',
  'Los Angeles, CA',
  'Toronto',
  'Montréal',
  'Mexico City',
  'São Paulo',
  'Sao Paulo',
  'Buenos Aires',
  'Bogotá',
  'Lima, Peru',
  'London',
  'London, Ontario',
  'MÜNCHEN',
  'Munich, Bavaria',
  'Köln',
  'Madrid',
  'Barcelona, Spain',
  'Roma',
  'Zürich',
  'Warszawa',
  'Москва',
  'Istanbul',
  'Cairo',
  'Lagos',
  'Nairobi',
  'Cape Town',
  'Tokyo',
  '東京',
  'Osaka, Japan',
  'Beijing',
  'Mumbai',
  'Bangalore',
  'Ulaanbaatar',
  'Sydney',
  'Perth, Australia',
  'Auckland',
  'Springfield',
  'Springfield, IL',
  'St. Louis',
  'Paris France',
  'Auth0 Office',
  'Depot',
  '47.6,-122.2',
  '48.8584, 2.2945',
  'Atlantis',
  'zzzz qqqq',
  '!!!',
]

/** Deterministic pseudo-random points (mulberry32), so every run measures the same work. */
function points(count: number, seed: number): Array<[number, number]> {
  let state = seed
  const next = () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return Array.from({ length: count }, () => [next() * 140 - 60, next() * 360 - 180])
}

interface Result {
  operation: string
  calls: number
  qps: number
  p50Us: number
  p99Us: number
}

function measure(operation: string, calls: Array<() => unknown>): Result {
  for (const call of calls) call() // warm-up
  const rounds = Math.ceil(CALLS / calls.length)
  const latencies = new Float64Array(calls.length * rounds)
  let n = 0
  const started = process.hrtime.bigint()
  for (let round = 0; round < rounds; round++) {
    for (const call of calls) {
      const t0 = process.hrtime.bigint()
      call()
      latencies[n++] = Number(process.hrtime.bigint() - t0) / 1000
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  latencies.sort()
  const at = (q: number) => latencies[Math.min(n - 1, Math.floor(q * n))] ?? 0
  return {
    operation,
    calls: n,
    qps: Math.round(n / seconds),
    p50Us: Math.round(at(0.5) * 10) / 10,
    p99Us: Math.round(at(0.99) * 10) / 10,
  }
}

const loadStarted = performance.now()
const gazetteer = await loadGazetteer({ placesFile: PLACES_FILE })
const loadMs = Math.round(performance.now() - loadStarted)
const gc = (globalThis as { gc?: () => void }).gc
gc?.()
const memory = process.memoryUsage()

const reversePoints = points(1000, 1)
const nearbyPoints = points(1000, 2)
const results = [
  measure(
    'geocode',
    GEOCODE_QUERIES.map((q) => () => gazetteer.geocode(q, 5)),
  ),
  measure(
    'reverse',
    reversePoints.map(
      ([lat, lng]) =>
        () =>
          gazetteer.reverse(lat, lng),
    ),
  ),
  measure(
    'nearby 50 km, 10',
    nearbyPoints.map(
      ([lat, lng]) =>
        () =>
          gazetteer.nearby(lat, lng, 50, 10),
    ),
  ),
  measure(
    'nearby 200 km, 10, pop ≥ 10k',
    nearbyPoints.map(
      ([lat, lng]) =>
        () =>
          gazetteer.nearby(lat, lng, 200, 10, 10_000),
    ),
  ),
]

const summary = {
  node: process.version,
  places: gazetteer.size,
  indexedNames: gazetteer.stats.indexedNames,
  loadMs,
  heapUsedMB: Math.round(memory.heapUsed / 1e5) / 10,
  arrayBuffersMB: Math.round(memory.arrayBuffers / 1e5) / 10,
  rssMB: Math.round(memory.rss / 1e5) / 10,
  heapAfterGc: gc !== undefined,
  results,
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(summary, null, 2))
} else {
  console.log(
    `gazetteer: ${summary.places} places, ${summary.indexedNames} names; loaded in ${loadMs} ms; ` +
      `heap ${summary.heapUsedMB} MB${gc ? ' after GC' : ''} + ${summary.arrayBuffersMB} MB typed ` +
      `arrays, RSS ${summary.rssMB} MB (${process.version})`,
  )
  const rows = [['operation', 'calls', 'queries/s', 'p50 µs', 'p99 µs']].concat(
    results.map((r) => [
      r.operation,
      String(r.calls),
      String(r.qps),
      String(r.p50Us),
      String(r.p99Us),
    ]),
  )
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? []
  for (const [i, row] of rows.entries()) {
    console.log(
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  '),
    )
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  }
}
