import type { FastifyInstance, FastifyReply } from 'fastify'
import type {
  Delivery,
  DeliveryRequest,
  DeliveryRoute,
  DeliveryStatus,
} from '../deliveries/model.js'
import { requestHash } from '../deliveries/request-hash.js'
import { DestinationNotFoundError } from '../planning/errors.js'
import type { DeliveryStore } from '../store/delivery-store.js'

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

export interface Planner {
  plan(request: DeliveryRequest): Promise<DeliveryRoute>
}

export interface DeliveryRoutesOptions {
  store: DeliveryStore
  planner: Planner
  /** How long a request waits for its plan before answering 202 (pending). */
  planTimeoutMs: number
  /** A pending delivery is left to its request this long before the worker may take it. */
  inlineLeaseMs: number
}

/** `POST /deliveries`, `GET /deliveries/:id`, `GET /deliveries`. */
export async function deliveryRoutes(app: FastifyInstance, opts: DeliveryRoutesOptions) {
  const { store, planner } = opts

  function answer(reply: FastifyReply, delivery: Delivery, replayed: boolean) {
    reply.header('location', `/deliveries/${delivery.id}`)
    if (replayed) reply.header('idempotent-replayed', 'true')
    if (delivery.status === 'failed') {
      return reply
        .code(422)
        .send({ error: 'DELIVERY_ERR_PLACE_NOT_FOUND', message: delivery.lastError, delivery })
    }
    return reply.code(delivery.status === 'planned' ? 201 : 202).send(delivery)
  }

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
      const clientId = request.auth?.clientId ?? 'unknown'
      const { delivery, created } = await store.createPending({
        request: body,
        clientId,
        notBefore: new Date(Date.now() + opts.inlineLeaseMs),
        ...(key ? { idempotency: { key, requestHash: requestHash(body) } } : {}),
      })
      if (!created) return answer(reply, delivery, true)

      const planning = planner.plan(body).then(
        (route) => store.markPlanned(delivery.id, route),
        async (error: unknown) => {
          if (error instanceof DestinationNotFoundError) {
            // The caller's mistake: nothing is kept, and the key may be used again.
            await store.discard(delivery.id)
            throw error
          }
          request.log.warn(
            { deliveryId: delivery.id, err: { message: (error as Error).message } },
            'planning deferred: upstream unavailable',
          )
          return store.recordAttemptFailure(
            delivery.id,
            (error as Error).message,
            new Date(Date.now() + opts.inlineLeaseMs),
          )
        },
      )
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), opts.planTimeoutMs)
      })
      try {
        const settled = await Promise.race([planning, timedOut])
        return answer(reply, settled ?? delivery, false)
      } catch (error) {
        if (error instanceof DestinationNotFoundError) {
          return reply.code(422).send({ error: error.code, message: error.message })
        }
        throw error
      } finally {
        clearTimeout(timer)
        planning.catch(() => {})
      }
    },
  )

  app.get(
    '/deliveries/:id',
    {
      config: { scopes: ['read:deliveries'] },
      schema: {
        summary: 'A delivery',
        tags: ['deliveries'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', format: 'uuid' } },
        },
      },
    },
    async (request, reply) => {
      const delivery = await store.get((request.params as { id: string }).id)
      if (!delivery) {
        return reply
          .code(404)
          .send({ error: 'DELIVERY_ERR_NOT_FOUND', message: 'No delivery has this id' })
      }
      return delivery
    },
  )

  app.get(
    '/deliveries',
    {
      config: { scopes: ['read:deliveries'] },
      schema: {
        summary: 'Deliveries, oldest first, by pages',
        tags: ['deliveries'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { enum: ['pending', 'planned', 'failed'] },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            cursor: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as { status?: DeliveryStatus; limit: number; cursor?: string }
      return store.list(query)
    },
  )
}
