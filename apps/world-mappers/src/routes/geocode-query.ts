import { InvalidRequestError } from '../errors.js'
import { isCountryCode } from '../geo/countries.js'
import { parseCoordinates } from '../geo/query-parser.js'
import type { GeocodeOptions } from '../geo/types.js'

const text = (maxLength: number, description: string, examples: string[]) =>
  ({ type: 'string', minLength: 1, maxLength, pattern: '\\S', description, examples }) as const

/** `GET /api/location/geocode`'s query string: free text or structured fields, and a bias. */
export const geocodeQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    address: text(
      200,
      'Free text: a place name with optional qualifiers, a street address (answered with its locality), or "lat,lng". Not with city, region or country.',
      ['Paris, TX', 'Bellevue, WA, US', '221B Baker Street, London', '47.6101,-122.2015'],
    ),
    city: text(200, 'Structured search: the city (a city outside region or country is no answer)', [
      'Springfield',
    ]),
    region: text(
      100,
      'Structured search: its first-level region, name or code; alone, the region',
      ['IL', 'Bavaria'],
    ),
    country: text(100, 'Structured search: its country, name or ISO code; alone, the country', [
      'United States',
      'DE',
    ]),
    countrycodes: {
      type: 'string',
      maxLength: 80,
      pattern: '^[A-Za-z]{2}(,[A-Za-z]{2})*$',
      description: 'Only places in these countries: ISO 3166-1 alpha-2 codes, comma-separated',
      examples: ['us,ca'],
    },
    near: {
      type: 'string',
      maxLength: 64,
      description:
        'Bias: "lat,lng"; nearer places rank higher (a tenfold distance costs as much as a 100-fold population)',
      examples: ['33.66,-95.55'],
    },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: 20,
      default: 5,
      description: 'Most results returned',
    },
  },
} as const

export interface GeocodeQuery {
  address?: string
  city?: string
  region?: string
  country?: string
  countrycodes?: string
  near?: string
  limit: number
}

/** What the caller asked for: free text or fields; 400 naming the parameter when it cannot be read. */
export type GeocodeRequest =
  | { kind: 'text'; address: string; options: GeocodeOptions }
  | {
      kind: 'structured'
      fields: { city?: string; region?: string; country?: string }
      options: GeocodeOptions
    }

export function readGeocodeQuery(
  query: GeocodeQuery,
  namesArea: (text: string) => boolean,
): GeocodeRequest {
  const structured =
    query.city !== undefined || query.region !== undefined || query.country !== undefined
  if (query.address !== undefined && structured) {
    throw new InvalidRequestError(
      'querystring must have either address or city/region/country, not both',
    )
  }
  if (query.address === undefined && !structured) {
    throw new InvalidRequestError('querystring must have address, or city, region or country')
  }
  const options: GeocodeOptions = {}
  if (query.countrycodes !== undefined) {
    const codes = query.countrycodes.toUpperCase().split(',')
    const unknown = codes.filter((code) => !isCountryCode(code))
    if (unknown.length > 0) {
      throw new InvalidRequestError(
        `querystring/countrycodes has codes that name no country: ${unknown.join(', ')}`,
      )
    }
    options.countryCodes = new Set(codes)
  }
  if (query.near !== undefined) {
    const point = parseCoordinates(query.near)
    if (!point?.valid) {
      throw new InvalidRequestError(
        'querystring/near must be "lat,lng" in decimal degrees, such as 33.66,-95.55',
      )
    }
    options.near = { lat: point.lat, lng: point.lng }
  }
  if (query.address !== undefined) {
    // Coordinates are a point already: there is nothing to keep or rank.
    if (parseCoordinates(query.address) && (query.countrycodes ?? query.near) !== undefined) {
      const parameter = query.countrycodes !== undefined ? 'countrycodes' : 'near'
      throw new InvalidRequestError(
        `querystring/${parameter} does not apply to coordinates given as address`,
      )
    }
    return { kind: 'text', address: query.address, options }
  }
  const { city, region, country } = query
  for (const [name, value] of [
    ['region', region],
    ['country', country],
  ] as const) {
    if (value !== undefined && !namesArea(value)) {
      throw new InvalidRequestError(
        `querystring/${name} ${JSON.stringify(value)} names no known region or country`,
      )
    }
  }
  return { kind: 'structured', fields: { city, region, country }, options }
}

/** The query as the 404 names it. */
export function describeGeocodeRequest(request: GeocodeRequest): string {
  if (request.kind === 'text') return request.address
  const { city, region, country } = request.fields
  return [city, region, country].filter((part) => part !== undefined).join(', ')
}
