import type { Attributes, Counter, Histogram } from '@opentelemetry/api'
import { type CountCell, type CountTable, countTable } from './count-table.js'
import {
  DURATION_BUCKETS_SECONDS,
  METRIC_JWKS_FETCH_DURATION,
  METRIC_JWKS_FETCHES,
  METRIC_JWT_VERIFICATIONS,
} from './names.js'
import { perMeter } from './per-meter.js'
import type { Telemetry } from './telemetry-options.js'
import { type VerificationReason, verificationReason } from './verification-reason.js'

/** What a verifier records: one per verifier, made once when it is created. */
export interface VerifyTelemetry {
  /** Where a valid token is counted: `token_type` `DPoP` when it is bound to a key (`cnf.jkt`). */
  validCell(claims: Readonly<Record<string, unknown>>): CountCell
  /** A token verified, from the cache or not; `cell` from `validCell`. */
  valid(cell: CountCell): void
  /** A token refused, with what the verifier threw. */
  invalid(error: unknown): void
  /** A JWKS fetch ended. */
  jwksFetched(ok: boolean, seconds: number): void
}

interface VerifyInstruments {
  verifications: CountTable
  jwksFetches: Counter
  jwksDuration: Histogram
}

const instrumentsOf = perMeter(
  (meter): VerifyInstruments => ({
    verifications: countTable(meter, METRIC_JWT_VERIFICATIONS, {
      description: 'Access tokens checked by the verifier, valid or not (with the reason)',
      unit: '{token}',
    }),
    jwksFetches: meter.createCounter(METRIC_JWKS_FETCHES, {
      description: 'JWKS fetches, by outcome',
      unit: '{fetch}',
    }),
    jwksDuration: meter.createHistogram(METRIC_JWKS_FETCH_DURATION, {
      description: 'Duration of JWKS fetches',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
    }),
  }),
)

const VALID_BEARER: Attributes = Object.freeze({ outcome: 'valid', token_type: 'Bearer' })
const VALID_DPOP: Attributes = Object.freeze({ outcome: 'valid', token_type: 'DPoP' })
const JWKS_SUCCESS: Attributes = Object.freeze({ outcome: 'success' })
const JWKS_FAILURE: Attributes = Object.freeze({ outcome: 'failure' })

/**
 * The verifications of a valid token are counted by a plain increment (the
 * cell is kept with the cached token); an invalid token's claims are not to be
 * trusted, so its `token_type` is not reported: the reason alone.
 */
export function createVerifyTelemetry(telemetry: Telemetry): VerifyTelemetry {
  const { verifications, jwksFetches, jwksDuration } = instrumentsOf(telemetry.meter)
  const validBearer = verifications.cell(VALID_BEARER)
  const validDpop = verifications.cell(VALID_DPOP)
  const invalidByReason = new Map<VerificationReason, CountCell>()
  return {
    validCell(claims) {
      const { cnf } = claims
      const bound =
        typeof cnf === 'object' &&
        cnf !== null &&
        typeof (cnf as { jkt?: unknown }).jkt === 'string'
      return bound ? validDpop : validBearer
    },
    valid(cell) {
      cell.value++
    },
    invalid(error) {
      const reason = verificationReason(error)
      let cell = invalidByReason.get(reason)
      if (cell === undefined) {
        cell = verifications.cell({ outcome: 'invalid', reason })
        invalidByReason.set(reason, cell)
      }
      cell.value++
    },
    jwksFetched(ok, seconds) {
      const attributes = ok ? JWKS_SUCCESS : JWKS_FAILURE
      jwksFetches.add(1, attributes)
      jwksDuration.record(seconds, attributes)
    },
  }
}
