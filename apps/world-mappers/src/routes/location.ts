import { nameFieldsInSchemaErrors } from '@m2m/service-kit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { InvalidRequestError, NoMatchError } from '../errors.js'
import { isCountryCode } from '../geo/countries.js'
import type { Gazetteer } from '../geo/types.js'
import {
  describeGeocodeRequest,
  type GeocodeQuery,
  geocodeQuerySchema,
  readGeocodeQuery,
} from './geocode-query.js'
import { geocodeResultView, placeView, roundKm } from './place-view.js'

const suggestQuerySchema = {
  type: 'object',
  required: ['q'],
  additionalProperties: false,
  properties: {
    q: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      pattern: '\\S',
      description: 'The start of a place name, as typed',
      examples: ['San Fr', 'new ', 'Моск'],
    },
    limit: { type: 'integer', minimum: 1, maximum: 20, default: 10, description: 'Most results' },
    country: {
      type: 'string',
      pattern: '^[A-Za-z]{2}$',
      description: 'Only places in this country (ISO 3166-1 alpha-2)',
      examples: ['US'],
    },
  },
} as const

const reverseQuerySchema = {
  type: 'object',
  required: ['lat', 'lng'],
  additionalProperties: false,
  properties: {
    lat: { type: 'number', minimum: -90, maximum: 90, description: 'Latitude in degrees' },
    lng: { type: 'number', minimum: -180, maximum: 180, description: 'Longitude in degrees' },
  },
} as const

// What a number in a query string may look like: plain decimals. Ajv's coercion
// alone would also take "0x10", "1e2", " 5", "" or "Infinity".
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/
const INTEGER = /^(0|[1-9][0-9]*)$/

/** A preValidation hook refusing numeric query parameters that are not plain decimals. */
function strictNumbers(parameters: Record<string, RegExp>) {
  return async (request: FastifyRequest) => {
    const query = request.query as Record<string, unknown>
    for (const [name, syntax] of Object.entries(parameters)) {
      const value = query[name]
      if (value === undefined) continue
      if (typeof value !== 'string' || value.length > 32 || !syntax.test(value)) {
        const what =
          syntax === INTEGER ? 'an integer such as 5' : 'a decimal number such as 48.8584'
        throw new InvalidRequestError(`querystring/${name} must be ${what}`)
      }
    }
  }
}

const GEOCODE_DESCRIPTION = [
  'Free text (`address`): names, alternate names and qualifiers ("Paris, TX", "Bellevue, WA, US"), or "lat,lng". A name misspelled by one or two letters is still found: `match` is then `fuzzy` and `matchedName` the name it matched.',
  'A street address ("221B Baker Street, London", "Unter den Linden 77, 10117 Berlin") is parsed into parts (`parsedAddress`) and answered with its locality: street-level data is not loaded, so `precision` is `locality` and `note` says so. When the locality is unknown, the seat of the region or the capital of the country it names answers, with `precision` `region` or `country` and a low confidence.',
  'Structured search (`city`, `region`, `country`, instead of `address`): a city outside the region or country given is no answer; a region or country alone answers with its seat or capital.',
  '`countrycodes` keeps only places in those countries; `near` ranks nearer places higher.',
].join('\n\n')

/** `GET /api/location/geocode`, `/suggest` and `/reverse-geocode`. */
export async function locationRoutes(app: FastifyInstance, opts: { gazetteer: () => Gazetteer }) {
  nameFieldsInSchemaErrors(app)
  app.get(
    '/api/location/geocode',
    {
      config: { scopes: ['geocode:location'] },
      preValidation: strictNumbers({ limit: INTEGER }),
      schema: {
        summary: 'Coordinates of a place name or street address (best match first)',
        description: GEOCODE_DESCRIPTION,
        tags: ['location'],
        querystring: geocodeQuerySchema,
      },
    },
    async (request) => {
      const query = request.query as GeocodeQuery
      const gazetteer = opts.gazetteer()
      const asked = readGeocodeQuery(query, (text) => gazetteer.namesArea(text))
      const matches =
        asked.kind === 'text'
          ? gazetteer.geocode(asked.address, query.limit, asked.options)
          : gazetteer.geocodeStructured(asked.fields, query.limit, asked.options)
      const description = describeGeocodeRequest(asked)
      if (matches.length === 0) {
        throw new NoMatchError(
          asked.kind === 'text' ? 'address' : 'city/region/country',
          description,
        )
      }
      const results = matches.map(geocodeResultView)
      return { query: description, ...results[0], results }
    },
  )

  app.get(
    '/api/location/suggest',
    {
      config: { scopes: ['geocode:location'] },
      preValidation: strictNumbers({ limit: INTEGER }),
      schema: {
        summary: 'Type-ahead: places whose name starts with what was typed',
        description:
          'Prefix match on names and alternate names (case, accents and punctuation folded), most populous first, each place once. A query ending in a space completes its last word ("new " finds New York, not Newark). No match is an empty list, not a 404.',
        tags: ['location'],
        querystring: suggestQuerySchema,
      },
    },
    async (request) => {
      const { q, limit, country } = request.query as { q: string; limit: number; country?: string }
      const code = country?.toUpperCase()
      if (code !== undefined && !isCountryCode(code)) {
        throw new InvalidRequestError(
          `querystring/country ${JSON.stringify(country)} names no country`,
        )
      }
      const results = opts
        .gazetteer()
        .suggest(q, limit, code)
        .map((s) => ({ ...placeView(s.place), matchedName: s.matchedName }))
      return { query: q, results }
    },
  )

  app.get(
    '/api/location/reverse-geocode',
    {
      config: { scopes: ['reverse-geocode:location'] },
      preValidation: strictNumbers({ lat: DECIMAL, lng: DECIMAL }),
      schema: {
        summary: 'The nearest named place to coordinates',
        tags: ['location'],
        querystring: reverseQuerySchema,
      },
    },
    async (request) => {
      const { lat, lng } = request.query as { lat: number; lng: number }
      // Ajv coerces "Infinity" to a number and lets it through the bounds.
      for (const [name, value] of [
        ['lat', lat],
        ['lng', lng],
      ] as const) {
        if (!Number.isFinite(value))
          throw new InvalidRequestError(`querystring/${name} must be a finite number`)
      }
      const match = opts.gazetteer().reverse(lat, lng)
      if (!match) throw new NoMatchError('coordinates', `${lat},${lng}`)
      const { place } = match
      return {
        lat,
        lng,
        distanceKm: roundKm(match.distanceKm),
        city: place.name,
        region: place.region ?? null,
        country: place.country,
        countryCode: place.countryCode,
        place: placeView(place),
      }
    },
  )
}
