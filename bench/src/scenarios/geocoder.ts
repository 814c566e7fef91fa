import { request } from 'undici'
import { checkEndpoint } from '../checks/endpoint-check.js'
import { ACCURACY_TARGETS } from '../geocoder/evaluation.js'
import type { GeocoderSummary } from '../geocoder/geocoder-bench.js'
import { directionPairs, GEOCODE_QUERIES, points } from '../geocoder/queries.js'
import { geocoderTargets } from '../geocoder/targets.js'
import { CLIENTS } from '../runner/bench-tenant.js'
import { untilQuiet } from '../runner/cpu-time.js'
import { count, describeLoad, ms } from '../runner/format.js'
import { benchScript } from '../runner/paths.js'
import { isMessage, startReadyChild } from '../runner/processes.js'
import type { Scenario } from '../runner/types.js'
import { worldMappers } from './world-mappers.js'

async function inProcess(calls: number): Promise<GeocoderSummary> {
  const { child } = await startReadyChild({
    name: 'geocoder',
    script: benchScript('geocoder/geocoder-bench.ts'),
    role: 'server',
  })
  try {
    const answer = child.nextMessage(
      (m): m is { type: 'result'; summary: GeocoderSummary } => isMessage(m, 'result'),
      120_000,
    )
    child.send({ type: 'run', calls })
    return (await answer).summary
  } finally {
    await child.stop()
  }
}

/** The paths among `paths` that answer 200 to `token` (the load must see no error answers). */
async function answering(base: string, token: string, paths: string[]): Promise<string[]> {
  const ok: string[] = []
  for (const path of paths) {
    const response = await request(`${base}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    await response.body.dump()
    if (response.statusCode === 200) ok.push(path)
  }
  return ok
}

/** Scenario 5: the gazetteer in process, then world-mappers over HTTP with a valid token. */
export const geocoder: Scenario = {
  id: '5',
  title: 'Geocoder in process and world-mappers over HTTP',
  prepare(context) {
    worldMappers(context, '5').catch(() => {})
  },
  async run(context) {
    const { settings, load, tenant } = context
    const failures: string[] = []
    // world-mappers (started by prepare) loads its own gazetteer: wait for it, so that the
    // in-process figures are not taken while it competes for the core. It answers ready
    // before the collections that follow the load are done: wait for those too.
    const { url, child } = await worldMappers(context, '5')
    const quieting = await untilQuiet(child.process.pid)
    context.log(
      `  world-mappers ${quieting.quiet ? 'quiet' : 'still busy'} after ${(quieting.waitedMs / 1000).toFixed(1)} s (${(quieting.lastShare * 100).toFixed(1)} % of a core in its last second)`,
    )
    context.log('  in process')
    const summary = await inProcess(settings.geocoderCalls)

    context.log('  world-mappers over HTTP')
    const token = await tenant.token(CLIENTS.giftDeliveries, 'urn:worldmappers')
    await checkEndpoint({
      url: `${url}/api/location/geocode?address=Paris`,
      token,
      inspect: (body) =>
        (JSON.parse(body) as { results?: unknown[] }).results?.length ? undefined : 'no results',
    })
    const geocodePaths = await answering(
      url,
      token,
      GEOCODE_QUERIES.map((q) => `/api/location/geocode?address=${encodeURIComponent(q)}`),
    )
    const reversePaths = points(200, 3).map(
      ([lat, lng]) => `/api/location/reverse-geocode?lat=${lat.toFixed(4)}&lng=${lng.toFixed(4)}`,
    )
    const names = geocodePaths.map((p) => decodeURIComponent(p.split('address=')[1] ?? ''))
    const directionPaths = await answering(
      url,
      token,
      directionPairs(names).map(
        ([from, to]) =>
          `/api/directions?origin=${encodeURIComponent(from)}&destination=${encodeURIComponent(to)}`,
      ),
    )
    const runs = [
      {
        operation: `GET /api/location/geocode (${geocodePaths.length} queries)`,
        paths: geocodePaths,
      },
      {
        operation: `GET /api/location/reverse-geocode (${reversePaths.length} points)`,
        paths: await answering(url, token, reversePaths),
      },
      { operation: `GET /api/directions (${directionPaths.length} pairs)`, paths: directionPaths },
    ]
    const http: Array<{ operation: string; requestsPerSecond: number; p50: number; p99: number }> =
      []
    for (const run of runs) {
      const result = await load.run({
        url: `${url}${run.paths[0]}`,
        headers: { authorization: `Bearer ${token}` },
        paths: run.paths,
        connections: settings.connections,
        warmupSeconds: settings.warmupSeconds,
        durationSeconds: settings.durationSeconds,
      })
      if (result.non2xx + result.errors - result.timeouts > 0) {
        failures.push(
          `${run.operation}: ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodes)}), ${result.errors} errors`,
        )
      }
      http.push({ operation: run.operation, ...result })
    }

    return {
      tables: [
        {
          title: `Gazetteer in process: ${count(summary.places)} places, ${count(summary.indexedNames)} names, loaded in ${count(summary.loadMs)} ms, RSS ${summary.rssMB} MB`,
          columns: ['operation', 'calls', 'queries/s', 'p50 µs', 'p99 µs'],
          rows: summary.results.map((r) => [
            r.operation,
            count(r.calls),
            count(r.qps),
            String(r.p50Us),
            String(r.p99Us),
          ]),
        },
        {
          title: `Geocoder top-1 accuracy on the evaluation set: ${summary.evaluation.perCategory} queries per category generated from GeoNames with a fixed seed (bench/src/geocoder/evaluation.ts)`,
          columns: ['category', 'queries', 'right', 'top-1', 'target'],
          rows: [...summary.evaluation.categories, summary.evaluation.overall].map((c) => [
            c.category,
            count(c.queries),
            count(c.correct),
            `${(c.accuracy * 100).toFixed(1)} %`,
            `≥ ${((c.category === 'overall' ? ACCURACY_TARGETS.overall : ACCURACY_TARGETS.category) * 100).toFixed(0)} %`,
          ]),
        },
        {
          title: `world-mappers over HTTP with a valid token (scopes checked), ${describeLoad(settings)}`,
          columns: ['route', 'req/s', 'p50 ms', 'p99 ms'],
          rows: http.map((r) => [r.operation, count(r.requestsPerSecond), ms(r.p50), ms(r.p99)]),
        },
      ],
      notes: [
        'query set: bench/src/geocoder/queries.ts (moved from apps/world-mappers/bench); HTTP runs use the queries that answer 200, round robin',
        'evaluation set: the place a person means for each query is a GeoNames id (the most populous of that name, in that state or country where one is given); top-1 = the best match is that place; targets from issue 17',
      ],
      failures,
      targets: geocoderTargets(summary),
      measurements: { inProcess: summary, http },
    }
  },
}
