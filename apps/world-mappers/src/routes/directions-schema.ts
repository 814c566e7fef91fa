/**
 * The JSON schema of a `GET /api/directions` answer: documents it in the
 * OpenAPI, and lets Fastify serialize it with a compiled serializer (a
 * directions answer is ~5 KB, a third of the route's own CPU with
 * JSON.stringify). Every property the handler returns must be listed here:
 * one that is not is left out of the answer (the API tests compare the
 * answer with the plan).
 */
const nullableString = { type: ['string', 'null'] } as const

const point = {
  type: 'object',
  required: ['name', 'lat', 'lng'],
  properties: { name: { type: 'string' }, lat: { type: 'number' }, lng: { type: 'number' } },
} as const

const placeProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  lat: { type: 'number' },
  lng: { type: 'number' },
  region: nullableString,
  regionCode: nullableString,
  country: { type: 'string' },
  countryCode: { type: 'string' },
  population: { type: 'number' },
  address: { type: 'string', description: "A street address, for the operator's own places" },
} as const

const parsedAddress = {
  type: 'object',
  description: 'The parts of a street address given as origin or destination',
  properties: {
    houseNumber: { type: 'string' },
    street: { type: 'string' },
    unit: { type: 'string' },
    postcode: { type: 'string' },
    places: { type: 'array', items: { type: 'string' } },
  },
} as const

const endpoint = {
  type: 'object',
  required: ['id', 'name', 'lat', 'lng', 'country', 'countryCode', 'population', 'precision'],
  properties: {
    ...placeProperties,
    precision: {
      type: 'string',
      enum: ['point', 'address', 'place', 'locality', 'region', 'country'],
      description: 'How precisely the place locates what was asked',
    },
    parsedAddress,
  },
} as const

const heading = {
  type: ['object', 'null'],
  properties: { abbreviation: { type: 'string' }, word: { type: 'string' } },
} as const

export const directionsAnswerSchema = {
  type: 'object',
  required: ['distanceKm', 'estimatedDuration', 'steps', 'path', 'waypoints', 'note'],
  properties: {
    distanceKm: { type: 'number', description: 'Great-circle distance, km to 0.1' },
    initialBearing: { type: ['number', 'null'], description: 'Degrees from true north' },
    heading,
    estimatedDuration: {
      type: 'object',
      properties: {
        seconds: { type: 'number' },
        text: { type: 'string' },
        method: { type: 'string' },
      },
    },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          instruction: { type: 'string' },
          distanceKm: { type: 'number' },
          from: point,
          to: point,
        },
      },
    },
    path: {
      type: 'object',
      description: 'GeoJSON LineString of the great circle, positions as [lng, lat]',
      properties: {
        type: { type: 'string', enum: ['LineString'] },
        coordinates: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
      },
    },
    waypoints: {
      type: 'array',
      description: 'The towns the steps pass through, in path order',
      items: {
        type: 'object',
        properties: { ...placeProperties, kind: { type: 'string' } },
      },
    },
    note: { type: 'string' },
    origin: endpoint,
    destination: endpoint,
  },
} as const
