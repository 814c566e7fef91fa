import {
  type Attributes,
  type Context,
  type Counter,
  context,
  type Histogram,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import { type CountTable, countTable } from './count-table.js'
import { exchangeErrorCode } from './exchange-error.js'
import {
  DURATION_BUCKETS_SECONDS,
  EVENT_TOKEN_RETRY,
  METRIC_TOKEN_CACHE_LOOKUPS,
  METRIC_TOKEN_EXCHANGE_DURATION,
  METRIC_TOKEN_EXCHANGES,
  METRIC_TOKEN_REFRESHES,
  METRIC_TOKEN_REQUESTS,
  SPAN_TOKEN_EXCHANGE,
} from './names.js'
import { perMeter } from './per-meter.js'
import type { Telemetry } from './telemetry-options.js'

/** What the token provider records: one per provider, made once when it is created. */
export interface TokenTelemetry {
  /** A `getToken()` answered from the cache. */
  cacheHit(): void
  /** A `getToken()` that found no usable token. */
  cacheMiss(): void
  /** A background refresh ended. */
  refreshed(ok: boolean): void
  /** A token exchange starts: its span (when tracing), its clock. */
  startExchange(): ExchangeTelemetry
}

/** One exchange, from its first attempt to its token or its last failure. */
export interface ExchangeTelemetry {
  /** Runs the attempts with the exchange span as the active context (the caller's otherwise). */
  within<T>(attempts: () => Promise<T>): Promise<T>
  /** An HTTP request to the token endpoint got an answer with this status, or none. */
  responded(status: number | 'network'): void
  /** An attempt failed and another follows after `delayMs`. */
  retrying(attempt: number, delayMs: number, error: unknown): void
  succeeded(tokenType: string): void
  failed(error: unknown, tokenType: string): void
}

interface TokenInstruments {
  exchanges: Counter
  requests: Counter
  duration: Histogram
  lookups: CountTable
  refreshes: Counter
}

const instrumentsOf = perMeter(
  (meter): TokenInstruments => ({
    exchanges: meter.createCounter(METRIC_TOKEN_EXCHANGES, {
      description: 'Client-credentials token exchanges, by outcome',
      unit: '{exchange}',
    }),
    requests: meter.createCounter(METRIC_TOKEN_REQUESTS, {
      description: 'HTTP requests to the token endpoint, retries included, by status',
      unit: '{request}',
    }),
    duration: meter.createHistogram(METRIC_TOKEN_EXCHANGE_DURATION, {
      description: 'Duration of token exchanges, retries and their waits included',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
    }),
    lookups: countTable(meter, METRIC_TOKEN_CACHE_LOOKUPS, {
      description: 'Token cache lookups by getToken(), hits and misses',
      unit: '{lookup}',
    }),
    refreshes: meter.createCounter(METRIC_TOKEN_REFRESHES, {
      description: 'Background refresh-ahead token refreshes, by outcome',
      unit: '{refresh}',
    }),
  }),
)

// A misbehaving token endpoint could answer many distinct error codes and
// statuses; past this many, the rest share one attribute set.
const MAX_VARIANTS = 64

/**
 * The token provider's instruments, with the attribute sets made ahead (the
 * audience is fixed per provider): the cached path adds one to an integer,
 * with or without an SDK (see `countTable`), and allocates nothing.
 */
export function createTokenTelemetry(
  telemetry: Telemetry,
  audience: string | undefined,
): TokenTelemetry {
  const instruments = instrumentsOf(telemetry.meter)
  const base: Attributes = audience === undefined ? {} : { audience }
  const withBase = (attributes: Attributes) => Object.freeze({ ...base, ...attributes })
  const hit = instruments.lookups.cell(withBase({ result: 'hit' }))
  const miss = instruments.lookups.cell(withBase({ result: 'miss' }))
  const success = withBase({ outcome: 'success' })
  const failure = withBase({ outcome: 'failure' })
  const spanAttributes: Attributes =
    audience === undefined ? {} : Object.freeze({ 'm2m.audience': audience })
  const byStatus = new Map<string, Attributes>()
  const exchanged = new Map<string, Attributes>()

  const statusAttributes = (status: string) => {
    let attributes = byStatus.get(status)
    if (attributes === undefined) {
      if (byStatus.size >= MAX_VARIANTS && status !== 'other') return statusAttributes('other')
      attributes = withBase({ status })
      byStatus.set(status, attributes)
    }
    return attributes
  }
  const exchangeAttributes = (outcome: 'success' | 'failure', tokenType: string, error = '') => {
    const key = `${outcome} ${tokenType} ${error}`
    let attributes = exchanged.get(key)
    if (attributes === undefined) {
      if (exchanged.size >= MAX_VARIANTS && error !== '' && error !== 'other') {
        return exchangeAttributes(outcome, tokenType, 'other')
      }
      attributes = withBase({ outcome, ...(error === '' ? {} : { error }), token_type: tokenType })
      exchanged.set(key, attributes)
    }
    return attributes
  }

  function startExchange(): ExchangeTelemetry {
    const startedAt = performance.now()
    const tracer = telemetry.tracer()
    const parent = tracer === undefined ? undefined : context.active()
    const span: Span | undefined =
      tracer === undefined
        ? undefined
        : tracer.startSpan(
            SPAN_TOKEN_EXCHANGE,
            { kind: SpanKind.CLIENT, attributes: spanAttributes },
            parent,
          )
    const active: Context | undefined =
      span === undefined ? undefined : trace.setSpan(parent as Context, span)
    let ended = false

    const end = (outcome: 'success' | 'failure', errorType?: string) => {
      if (ended) return
      ended = true
      const seconds = (performance.now() - startedAt) / 1000
      instruments.duration.record(seconds, outcome === 'success' ? success : failure)
      if (span === undefined) return
      span.setAttribute('m2m.outcome', outcome)
      if (errorType !== undefined) {
        span.setAttribute('error.type', errorType)
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorType })
      }
      span.end()
    }

    return {
      within(attempts) {
        return active === undefined ? attempts() : context.with(active, attempts)
      },
      responded(status) {
        instruments.requests.add(1, statusAttributes(String(status)))
        if (typeof status === 'number') span?.setAttribute('http.response.status_code', status)
      },
      retrying(attempt, delayMs, error) {
        span?.addEvent(EVENT_TOKEN_RETRY, {
          'm2m.attempt': attempt,
          'm2m.retry.delay_ms': delayMs,
          'error.type': exchangeErrorCode(error),
        })
      },
      succeeded(tokenType) {
        instruments.exchanges.add(1, exchangeAttributes('success', tokenType))
        end('success')
      },
      failed(error, tokenType) {
        const code = exchangeErrorCode(error)
        instruments.exchanges.add(1, exchangeAttributes('failure', tokenType, code))
        end('failure', code)
      },
    }
  }

  return {
    cacheHit() {
      hit.value++
    },
    cacheMiss() {
      miss.value++
    },
    refreshed(ok) {
      instruments.refreshes.add(1, ok ? success : failure)
    },
    startExchange,
  }
}
