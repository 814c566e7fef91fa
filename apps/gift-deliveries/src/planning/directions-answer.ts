import type { DeliveryRoute, ResolvedPlace } from '../deliveries/model.js'

/**
 * Reads world-mappers' directions answer into a delivery route, checking every
 * field it keeps: a missing or mistyped one throws a TypeError naming it, which
 * the client reports as an UpstreamProtocolError.
 */

function fail(what: string): never {
  throw new TypeError(`${what} is missing or invalid`)
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(what)
  return value as Record<string, unknown>
}

function text(value: unknown, what: string): string {
  return typeof value === 'string' ? value : fail(what)
}

function finite(value: unknown, what: string): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fail(what)
}

/** `sent`: the place as we asked for it, kept as its street address when world-mappers parsed one. */
function toResolvedPlace(value: unknown, what: string, sent: string | undefined): ResolvedPlace {
  const place = record(value, what)
  const region = place.region ?? null
  const resolved: ResolvedPlace = {
    name: text(place.name, `${what}.name`),
    lat: finite(place.lat, `${what}.lat`),
    lng: finite(place.lng, `${what}.lng`),
    region: region === null ? null : text(region, `${what}.region`),
    country: text(place.country, `${what}.country`),
    countryCode: text(place.countryCode, `${what}.countryCode`),
  }
  if (place.precision !== undefined) resolved.precision = text(place.precision, `${what}.precision`)
  if (place.parsedAddress !== undefined && sent !== undefined) {
    record(place.parsedAddress, `${what}.parsedAddress`)
    resolved.address = sent
  }
  return resolved
}

/**
 * World-mappers' directions answer → our route (steps without their from/to points). `sent`: the
 * origin and destination as the request gave them to world-mappers.
 */
export function toDeliveryRoute(
  value: unknown,
  sent: { origin?: string | undefined; destination?: string | undefined } = {},
): DeliveryRoute {
  const answer = record(value, 'the answer')
  const duration = record(answer.estimatedDuration, 'estimatedDuration')
  const heading = answer.heading == null ? null : record(answer.heading, 'heading')
  const path = record(answer.path, 'path')
  if (path.type !== 'LineString' || !Array.isArray(path.coordinates)) fail('path')
  const steps = Array.isArray(answer.steps) ? answer.steps : fail('steps')
  return {
    origin: toResolvedPlace(answer.origin, 'origin', sent.origin),
    destination: toResolvedPlace(answer.destination, 'destination', sent.destination),
    distanceKm: finite(answer.distanceKm, 'distanceKm'),
    estimatedDuration: {
      seconds: finite(duration.seconds, 'estimatedDuration.seconds'),
      text: text(duration.text, 'estimatedDuration.text'),
      method: text(duration.method, 'estimatedDuration.method'),
    },
    heading: heading && {
      abbreviation: text(heading.abbreviation, 'heading.abbreviation'),
      word: text(heading.word, 'heading.word'),
    },
    steps: steps.map((entry, index) => {
      const step = record(entry, `steps[${index}]`)
      return {
        instruction: text(step.instruction, `steps[${index}].instruction`),
        distanceKm: finite(step.distanceKm, `steps[${index}].distanceKm`),
      }
    }),
    path: {
      type: 'LineString',
      coordinates: (path.coordinates as unknown[]).map((point, index) =>
        Array.isArray(point)
          ? point.map((n) => finite(n, `path[${index}]`))
          : fail(`path[${index}]`),
      ),
    },
    note: text(answer.note, 'note'),
  }
}
