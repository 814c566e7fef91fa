import pino, { type DestinationStream, type Logger } from 'pino'

const SENSITIVE_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'client_secret',
  'clientSecret',
  'access_token',
  'accessToken',
  'refresh_token',
  'id_token',
  'token',
  'password',
]
const HYPHENATED_KEYS = ['proxy-authorization', 'set-cookie']

/**
 * pino `redact` paths that keep credentials out of logs: authorization and
 * cookie headers, OAuth secrets and tokens, passwords — at the top level and
 * up to three objects deep (`req.body.client_secret`,
 * `err.config.headers.Authorization`).
 */
export const credentialRedactPaths: readonly string[] = Object.freeze(
  ['', '*.', '*.*.', '*.*.*.'].flatMap((prefix) => [
    ...SENSITIVE_KEYS.map((key) => `${prefix}${key}`),
    ...HYPHENATED_KEYS.map((key) => `${prefix === '' ? '' : prefix.slice(0, -1)}["${key}"]`),
  ]),
)

interface LoggableRequest {
  method?: string
  url?: string
  hostname?: string
  ip?: string
  socket?: { remotePort?: number }
}

/**
 * A pino `req` serializer for Fastify that logs the path without its query
 * string: a refused `?access_token=` (or any secret a caller put in a URL)
 * must not reach the request log. Headers are not logged at all.
 */
export function requestLogSerializer(request: LoggableRequest) {
  const url = request.url ?? ''
  const query = url.indexOf('?')
  return {
    method: request.method,
    url: query === -1 ? url : `${url.slice(0, query)}?[redacted]`,
    hostname: request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}

export interface ServiceLoggerOptions {
  /** pino level. Default `info`. */
  level?: string
  /** Where lines go. Default stdout. */
  destination?: DestinationStream
}

/**
 * The logger every service of this project uses, so that what tests assert
 * about it is what runs: pino with `credentialRedactPaths`, query strings
 * dropped from request URLs, responses reduced to their status.
 */
export function createServiceLogger(options: ServiceLoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    redact: { paths: [...credentialRedactPaths], censor: '[redacted]' },
    serializers: {
      req: requestLogSerializer,
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
      err: (error: Error) => withoutBinary({ ...pino.stdSerializers.err(error) }, 3),
    },
    formatters: { log: (object: Record<string, unknown>) => withoutBinary(object, 4) },
  }
  return options.destination ? pino(settings, options.destination) : pino(settings)
}

/**
 * Replaces Buffers and typed arrays with a size note. The wildcard redaction
 * paths make pino throw on them ("get %TypedArray%.prototype.buffer called on
 * incompatible receiver"), and Fastify logs one on every client error (the
 * `rawPacket` of a 431): the logger would throw inside Node's clientError
 * handler, leaving the socket hanging and the error uncaught.
 */
function withoutBinary<T>(value: T, depth: number): T {
  if (ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]` as T
  if (depth === 0 || typeof value !== 'object' || value === null || Array.isArray(value)) {
    return value
  }
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value
  let copy: Record<string, unknown> | undefined
  for (const [key, member] of Object.entries(value)) {
    const clean = withoutBinary(member, depth - 1)
    if (clean !== member) {
      copy ??= { ...(value as Record<string, unknown>) }
      copy[key] = clean
    }
  }
  return (copy ?? value) as T
}
