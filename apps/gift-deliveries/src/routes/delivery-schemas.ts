/**
 * Response shapes, for the OpenAPI document. The list is sent as the database
 * built it (see `store/delivery-json.ts`), so these describe it; the tests
 * check real answers against them.
 */

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] })
const timestamp = { type: 'string', format: 'date-time' } as const

const place = {
  type: 'object',
  required: ['name', 'lat', 'lng', 'region', 'country', 'countryCode'],
  properties: {
    name: { type: 'string' },
    lat: { type: 'number' },
    lng: { type: 'number' },
    region: { type: ['string', 'null'] },
    country: { type: 'string' },
    countryCode: { type: 'string' },
    precision: {
      type: 'string',
      description:
        "How precisely world-mappers placed it: locality (a town; a street address is answered with its town), address or place (world-mappers' own places, with or without a street address), point (coordinates given)",
    },
    address: {
      type: 'string',
      description: 'The street address as given, when world-mappers read the place as one',
    },
  },
} as const

const estimatedDuration = {
  type: 'object',
  required: ['seconds', 'text', 'method'],
  properties: {
    seconds: { type: 'number' },
    text: { type: 'string' },
    method: { type: 'string' },
  },
} as const

const request = {
  type: 'object',
  description: 'The POST /deliveries body, as accepted',
  required: ['recipient', 'gift', 'destination'],
} as const

const status = { type: 'string', enum: ['pending', 'planned', 'failed'] } as const

const common = {
  id: { type: 'string', format: 'uuid' },
  status,
  request,
  attempts: { type: 'integer', description: 'Failed planning attempts so far' },
  lastError: { type: ['string', 'null'] },
  nextAttemptAt: nullable(timestamp),
  createdAt: timestamp,
  updatedAt: timestamp,
  plannedAt: nullable(timestamp),
} as const

export const deliverySummarySchema = {
  type: 'object',
  description:
    'A delivery without its route: where it goes, how far and how long (null until planned)',
  required: [...Object.keys(common), 'destination', 'distanceKm', 'estimatedDuration'],
  properties: {
    ...common,
    destination: nullable(place),
    distanceKm: { type: ['number', 'null'] },
    estimatedDuration: nullable(estimatedDuration),
  },
} as const

export const deliverySchema = {
  type: 'object',
  description: 'A whole delivery, with its route (null until planned)',
  required: [...Object.keys(common), 'route', 'clientId'],
  properties: {
    ...common,
    clientId: { type: 'string' },
    route: nullable({
      type: 'object',
      required: ['origin', 'destination', 'distanceKm', 'estimatedDuration', 'steps', 'path'],
      properties: {
        origin: place,
        destination: place,
        distanceKm: { type: 'number' },
        estimatedDuration,
        heading: { type: ['object', 'null'] },
        steps: { type: 'array', items: { type: 'object' } },
        path: { type: 'object', description: 'A GeoJSON LineString' },
        note: { type: 'string' },
      },
    }),
  },
} as const

export const deliveryPageSchema = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: {
      type: 'array',
      description: 'Summaries; whole deliveries with include=route',
      items: { anyOf: [deliverySummarySchema, deliverySchema] },
    },
    nextCursor: { type: ['string', 'null'] },
  },
} as const

export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const
