import { nameFieldsInSchemaErrors, useStrictJsonBodies } from '@m2m/service-kit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { DeliveryRequest, DeliveryStatus } from '../deliveries/model.js'
import { createDeliveryPlanning, type Planner } from '../deliveries/plan-delivery.js'
import { requestHash } from '../deliveries/request-hash.js'
import {
  DeliveryNotFoundError,
  InvalidRequestError,
  NoClientError,
  PLACE_NOT_FOUND,
} from '../errors.js'
import type { DeliveryStore } from '../store/delivery-store.js'
import { deliveryPageSchema, deliverySchema, errorSchema } from './delivery-schemas.js'

const textField = (maxLength: number) =>
  ({ type: 'string', minLength: 1, maxLength, pattern: '\\S' }) as const
const placeSchema = {
  oneOf: [
    { ...textField(200), description: 'A place name ("Paris, TX") or "lat,lng"' },
    {
      type: 'object',
      required: ['lat', 'lng'],
      additionalProperties: false,
      properties: {
        lat: { type: 'number', minimum: -90, maximum: 90 },
        lng: { type: 'number', minimum: -180, maximum: 180 },
      },
    },
  ],
} as const

const deliveryBody = {
  type: 'object',
  required: ['recipient', 'gift', 'destination'],
  additionalProperties: false,
  properties: {
    recipient: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: textField(200),
        email: { type: 'string', maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' },
      },
    },
    gift: {
      type: 'object',
      required: ['description'],
      additionalProperties: false,
      properties: { description: textField(500) },
    },
    destination: placeSchema,
    origin: placeSchema,
  },
} as const

export interface DeliveryRoutesOptions {
  store: DeliveryStore
  planner: Planner
  /** How long a request waits for its plan before answering 202 (pending). */
  planTimeoutMs: number
  /** How long a delivery planned by its request is kept from the worker. */
  inlineLeaseMs: number
  /** Plans run by requests at once; past this a new delivery is answered 202 and left to the worker. */
  maxInlinePlans: number
  /** Delay before the `attempts`-th planning retry. Default `createBackoff()`. */
  backoff?: (attempts: number) => number
}

/** The calling client (`azp` / `client_id`); a token without one is refused by the preHandler. */
function callerOf(request: FastifyRequest): string {
  return request.auth?.clientId as string
}

/** `POST /deliveries`, `GET /deliveries/:id`, `GET /deliveries`. */
export async function deliveryRoutes(app: FastifyInstance, opts: DeliveryRoutesOptions) {
  const { store } = opts
  useStrictJsonBodies(app)
  nameFieldsInSchemaErrors(app)
  const planning = createDeliveryPlanning({
    store,
    planner: opts.planner,
    planTimeoutMs: opts.planTimeoutMs,
    inlineLeaseMs: opts.inlineLeaseMs,
    maxInlinePlans: opts.maxInlinePlans,
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    logger: app.log,
  })
  // Plans still running after their request answered 202: closing waits for them
  // (each is bounded by the planner's timeout), so their outcome is recorded.
  app.addHook('onClose', () => planning.drain())

  // Deliveries belong to a client: a token must name one.
  app.addHook('preHandler', async (request) => {
    if (request.auth && !request.auth.clientId) {
      throw new NoClientError()
    }
  })

  // PostgreSQL stores neither NUL nor unpaired surrogates in text or jsonb: refuse them up front.
  app.addHook('preValidation', async (request) => {
    const bad = findUnstorableString(request.body, 'body')
    if (bad) throw new InvalidRequestError(`${bad} contains a NUL or an unpaired surrogate`)
  })

  app.post(
    '/deliveries',
    {
      config: { scopes: ['create:deliveries'] },
      schema: {
        summary: 'Plan and store a gift delivery',
        description:
          'Geocodes and routes the delivery through world-mappers. 201 when planned; 202 when world-mappers or the token endpoint is unavailable (stored as pending, planned later); 422 when a place is unknown (nothing stored). Idempotency-Key makes retries safe.',
        tags: ['deliveries'],
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': {
              type: 'string',
              minLength: 1,
              maxLength: 255,
              pattern: '^[\\x21-\\x7e]+$',
            },
          },
        },
        body: deliveryBody,
      },
    },
    async (request, reply) => {
      const body = request.body as DeliveryRequest
      const key = request.headers['idempotency-key'] as string | undefined
      // An unknown place throws DestinationNotFoundError: 422, nothing stored.
      const { delivery, replayed } = await planning.submit(
        {
          request: body,
          clientId: callerOf(request),
          ...(key ? { idempotency: { key, requestHash: requestHash(body) } } : {}),
        },
        request.log,
      )
      reply.header('location', `/deliveries/${delivery.id}`)
      if (replayed) reply.header('idempotent-replayed', 'true')
      if (delivery.status === 'failed') {
        return reply
          .code(422)
          .send({ error: PLACE_NOT_FOUND, message: delivery.lastError, delivery })
      }
      return reply.code(delivery.status === 'planned' ? 201 : 202).send(delivery)
    },
  )

  app.get(
    '/deliveries/:id',
    {
      config: { scopes: ['read:deliveries'] },
      schema: {
        summary: 'A delivery, with its route',
        tags: ['deliveries'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', format: 'uuid' } },
        },
        // Sent as the database built it: documents the answer, never serializes it.
        response: { 200: deliverySchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      // A client sees its own deliveries only; another's is as if it did not exist.
      const { id } = request.params as { id: string }
      const json = await store.getJson(id, callerOf(request))
      if (json === undefined) throw new DeliveryNotFoundError(id)
      return reply.type('application/json; charset=utf-8').send(json)
    },
  )

  app.get(
    '/deliveries',
    {
      config: { scopes: ['read:deliveries'] },
      schema: {
        summary: 'Deliveries, oldest first, by pages',
        description:
          'Summaries by default: id, status, request, the resolved destination, distance, estimated duration and timestamps (null until planned). With include=route, whole deliveries as GET /deliveries/{id} answers them, route and GeoJSON path included. Pass nextCursor as cursor for the next page; it is null on the last. A listing is bounded by its first page: paging to the end lists every delivery that existed when the first page was read exactly once, in creation order, while others are being created; deliveries created after it are left out (start a new listing to see them).',
        tags: ['deliveries'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { enum: ['pending', 'planned', 'failed'] },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            cursor: { type: 'string', minLength: 1, maxLength: 200 },
            include: {
              enum: ['route'],
              description: 'route: whole deliveries, with their routes, instead of summaries',
            },
          },
        },
        response: { 200: deliveryPageSchema },
      },
    },
    async (request, reply) => {
      const query = request.query as {
        status?: DeliveryStatus
        limit: number
        cursor?: string
        include?: 'route'
      }
      const page = await store.listJson({ ...query, clientId: callerOf(request) })
      // The items are JSON text already (built by the database): sent as they are.
      return reply
        .type('application/json; charset=utf-8')
        .send(`{"items":${page.items},"nextCursor":${JSON.stringify(page.nextCursor)}}`)
    },
  )
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** The path of the first string (or key) in `value` that PostgreSQL cannot store, if any. */
function findUnstorableString(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') {
    return value.includes('\u0000') || LONE_SURROGATE.test(value) ? path : undefined
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorableString(item, `${path}/${i}`)
      if (found) return found
    }
    return undefined
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found =
        findUnstorableString(key, `${path} key`) ?? findUnstorableString(item, `${path}/${key}`)
      if (found) return found
    }
  }
  return undefined
}
