import { nameFieldsInSchemaErrors, useStrictJsonBodies } from '@m2m/service-kit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type {
  Delivery,
  DeliveryRequest,
  DeliveryRoute,
  DeliveryStatus,
} from '../deliveries/model.js'
import { requestHash } from '../deliveries/request-hash.js'
import { DestinationNotFoundError, publicReason } from '../planning/errors.js'
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
  /** Plans run by requests at once; past this a new delivery is answered 202 and left to the worker. */
  maxInlinePlans: number
}

/** The calling client (`azp` / `client_id`); a token without one is refused by the preHandler. */
function callerOf(request: FastifyRequest): string {
  return request.auth?.clientId as string
}

/** `POST /deliveries`, `GET /deliveries/:id`, `GET /deliveries`. */
export async function deliveryRoutes(app: FastifyInstance, opts: DeliveryRoutesOptions) {
  const { store, planner } = opts
  useStrictJsonBodies(app)
  nameFieldsInSchemaErrors(app)
  // Plans still running after their request answered 202: closing waits for them
  // (each is bounded by the planner's timeout), so their outcome is recorded.
  const inflight = new Set<Promise<unknown>>()
  app.addHook('onClose', async () => {
    await Promise.allSettled([...inflight])
  })

  // Deliveries belong to a client: a token must name one.
  app.addHook('preHandler', async (request, reply) => {
    if (request.auth && !request.auth.clientId) {
      return reply.code(403).send({
        error: 'DELIVERY_ERR_NO_CLIENT',
        message: 'The token names no client (azp or client_id)',
      })
    }
  })

  // PostgreSQL stores neither NUL nor unpaired surrogates in text or jsonb: refuse them up front.
  app.addHook('preValidation', async (request, reply) => {
    const bad = findUnstorableString(request.body, 'body')
    if (bad)
      return reply.code(400).send({
        error: 'invalid_request',
        message: `${bad} contains a NUL or an unpaired surrogate`,
      })
  })

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
      const clientId = callerOf(request)
      const { delivery, created } = await store.createPending({
        request: body,
        clientId,
        notBefore: new Date(Date.now() + opts.inlineLeaseMs),
        ...(key ? { idempotency: { key, requestHash: requestHash(body) } } : {}),
      })
      if (!created) return answer(reply, delivery, true)
      // Slow upstreams must not pile up plans (sockets, timers, memory) here: beyond
      // the bound the delivery is kept pending for the worker, which plans in batches.
      if (inflight.size >= opts.maxInlinePlans) return answer(reply, delivery, false)

      // Still waiting: the answer is not given yet. Once it is (a 202 after the
      // timeout), the row is the caller's and is never deleted.
      let waiting = true
      const planning = planner.plan(body).then(
        (route) => store.markPlanned(delivery.id, route),
        async (error: unknown) => {
          if (error instanceof DestinationNotFoundError) {
            // The caller's mistake. Nothing is kept while nobody has been told
            // about the row; with an Idempotency-Key the failure is kept, so a
            // replay (which may already have seen the pending row) gets the same 422.
            if (waiting && !key) {
              await store.discard(delivery.id)
              throw error
            }
            return store.markFailed(delivery.id, error.message)
          }
          request.log.warn(
            { deliveryId: delivery.id, err: { code: (error as { code?: unknown }).code } },
            'planning deferred: upstream unavailable',
          )
          return store.recordAttemptFailure(
            delivery.id,
            publicReason(error),
            new Date(Date.now() + opts.inlineLeaseMs),
          )
        },
      )
      const tracked = planning.catch(() => {})
      inflight.add(tracked)
      void tracked.finally(() => inflight.delete(tracked))
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), opts.planTimeoutMs)
      })
      try {
        const settled = await Promise.race([planning, timedOut])
        waiting = false
        return answer(reply, settled ?? delivery, false)
      } catch (error) {
        waiting = false
        if (error instanceof DestinationNotFoundError) {
          return reply.code(422).send({ error: error.code, message: error.message })
        }
        // The row is stored and pending: the worker will plan it. The caller is told so.
        request.log.error({ deliveryId: delivery.id, err: error }, 'could not record the plan')
        return answer(reply, delivery, false)
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
      // A client sees its own deliveries only; another's is as if it did not exist.
      if (!delivery || delivery.clientId !== callerOf(request)) {
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
      return store.list({ ...query, clientId: callerOf(request) })
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
