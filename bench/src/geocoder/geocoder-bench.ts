/**
 * The world-mappers gazetteer in process: load time, memory, and queries per
 * second with p50/p99 for geocode, reverse geocode, nearby and directions on
 * the fixed query set. A child of `pnpm bench` (scenario 5), or on its own:
 *
 *   pnpm --filter @m2m/bench geocoder            # table
 *   pnpm --filter @m2m/bench geocoder -- --json  # JSON
 *
 * Run node with --expose-gc (NODE_OPTIONS=--expose-gc) for a heap figure after garbage collection.
 */
import { devPlacesFile, type Gazetteer, loadGazetteer, type Place } from '@m2m/world-mappers'
import { announce, isMessage } from '../runner/processes.js'
import { planDirections } from './directions.js'
import { buildEvaluationSet, type CategoryScore, scoreEvaluation } from './evaluation.js'
import { measure, type OperationResult } from './measure.js'
import { directionPairs, GEOCODE_QUERIES, points } from './queries.js'

export interface GeocoderSummary {
  node: string
  places: number
  indexedNames: number
  loadMs: number
  heapUsedMB: number
  arrayBuffersMB: number
  rssMB: number
  heapAfterGc: boolean
  results: OperationResult[]
  /** Top-1 accuracy on the generated evaluation set (evaluation.ts). */
  evaluation: { perCategory: number; categories: CategoryScore[]; overall: CategoryScore }
}

/** Queries per category of the evaluation set: 150 (1,050 in all), or 30 in quick runs. */
export function evaluationSize(calls: number): number {
  return calls >= 20_000 ? 150 : 30
}

function routable(gazetteer: Gazetteer): Place[] {
  return GEOCODE_QUERIES.flatMap((query) => {
    const best = gazetteer.geocode(query, 1)[0]
    return best && best.confidence >= 0.5 ? [best.place] : []
  })
}

async function run(calls: number): Promise<GeocoderSummary> {
  const loadStarted = performance.now()
  const gazetteer = await loadGazetteer({ placesFile: devPlacesFile })
  // The suggest index is built on first use: build it now, so that memory counts it.
  gazetteer.suggest('a', 1)
  const loadMs = Math.round(performance.now() - loadStarted)
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const memory = process.memoryUsage()

  const reversePoints = points(1000, 1)
  const nearbyPoints = points(1000, 2)
  const places = routable(gazetteer)
  const byId = new Map(places.map((place) => [place.id, place]))
  const pairs = directionPairs([...byId.keys()]).map(
    ([from, to]) => [byId.get(from), byId.get(to)] as [Place, Place],
  )
  const perCategory = evaluationSize(calls)
  const evaluationSet = await buildEvaluationSet(perCategory)
  const scores = scoreEvaluation(evaluationSet, (query) => gazetteer.geocode(query, 1)[0]?.place.id)
  const suggestPrefixes = evaluationSet.map(({ query }, i): [string, string | undefined] => {
    const best = gazetteer.geocode(query, 1)[0]
    return [query.slice(0, 1 + (i % 8)), i % 2 === 0 ? best?.place.countryCode : undefined]
  })
  const results = [
    measure(
      'geocode',
      GEOCODE_QUERIES.map((q) => () => gazetteer.geocode(q, 5)),
      calls,
    ),
    measure(
      `geocode, evaluation set (${evaluationSet.length} queries)`,
      evaluationSet.map(
        ({ query }) =>
          () =>
            gazetteer.geocode(query, 5),
      ),
      calls,
    ),
    measure(
      `suggest, ${suggestPrefixes.length} prefixes of 1–8 characters, half with a country`,
      suggestPrefixes.map(
        ([prefix, country]) =>
          () =>
            gazetteer.suggest(prefix, 10, country),
      ),
      calls,
    ),
    measure(
      'reverse',
      reversePoints.map(
        ([lat, lng]) =>
          () =>
            gazetteer.reverse(lat, lng),
      ),
      calls,
    ),
    measure(
      'nearby 50 km, 10',
      nearbyPoints.map(
        ([lat, lng]) =>
          () =>
            gazetteer.nearby(lat, lng, 50, 10),
      ),
      calls,
    ),
    measure(
      'nearby 200 km, 10, pop ≥ 10k',
      nearbyPoints.map(
        ([lat, lng]) =>
          () =>
            gazetteer.nearby(lat, lng, 200, 10, 10_000),
      ),
      calls,
    ),
    measure(
      'directions',
      pairs.map(
        ([from, to]) =>
          () =>
            planDirections(gazetteer, from, to),
      ),
      // Enough calls that a p99 is not one garbage collection (about 1 s in a full run).
      Math.ceil(calls / 2),
    ),
  ]
  return {
    node: process.version,
    places: gazetteer.size,
    indexedNames: gazetteer.stats.indexedNames,
    loadMs,
    heapUsedMB: Math.round(memory.heapUsed / 1e5) / 10,
    arrayBuffersMB: Math.round(memory.arrayBuffers / 1e5) / 10,
    rssMB: Math.round(memory.rss / 1e5) / 10,
    heapAfterGc: gc !== undefined,
    results,
    evaluation: { perCategory, ...scores },
  }
}

if (process.send) {
  await announce(async () => ({}))
  process.on('message', async (message: unknown) => {
    if (!isMessage(message, 'run')) return
    try {
      const summary = await run((message as unknown as { calls: number }).calls)
      process.send?.({ type: 'result', summary })
    } catch (error) {
      process.send?.({ type: 'error', error: (error as Error).stack ?? String(error) })
    }
  })
} else {
  const { renderText } = await import('../runner/format.js')
  const summary = await run(20_000)
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(summary, null, 2))
  } else {
    console.log(
      `gazetteer: ${summary.places} places, ${summary.indexedNames} names; loaded in ${summary.loadMs} ms; heap ${summary.heapUsedMB} MB${summary.heapAfterGc ? ' after GC' : ''} + ${summary.arrayBuffersMB} MB typed arrays, RSS ${summary.rssMB} MB (${summary.node})`,
    )
    console.log(
      renderText({
        title: `top-1 accuracy on the evaluation set (${summary.evaluation.perCategory} per category)`,
        columns: ['category', 'queries', 'right', 'top-1'],
        rows: [...summary.evaluation.categories, summary.evaluation.overall].map((c) => [
          c.category,
          String(c.queries),
          String(c.correct),
          `${(c.accuracy * 100).toFixed(1)} %`,
        ]),
      }),
    )
    console.log(
      renderText({
        title: 'queries on the fixed set (bench/src/geocoder/queries.ts)',
        columns: ['operation', 'calls', 'queries/s', 'p50 µs', 'p99 µs'],
        rows: summary.results.map((r) => [
          r.operation,
          String(r.calls),
          String(r.qps),
          String(r.p50Us),
          String(r.p99Us),
        ]),
      }),
    )
  }
}
