/** The fields of a quota form, as the browser sends them. */
export interface QuotaFormBody {
  per_hour?: unknown
  per_day?: unknown
  enforce?: unknown
}

/** What a form makes of Auth0's `client_credentials`, or why it makes nothing. */
export type QuotaLimitsInput =
  | { limits: { enforce: boolean; per_hour?: unknown; per_day?: unknown } }
  | { problem: string }

const DECIMAL = /^[+-]?\d+(\.\d+)?$/

/**
 * A count as typed: a number when it reads as one, else the text itself, so
 * that the Management API's validation names what is wrong (`must be >= 1`,
 * `must be integer`) rather than a second copy of it here.
 */
function count(value: unknown): unknown {
  const text = typeof value === 'string' ? value.trim() : value
  if (text === '' || text === undefined) return undefined
  return typeof text === 'string' && DECIMAL.test(text) ? Number(text) : text
}

const CHECKED = new Set<unknown>(['true', 'on', true])

/** The form's limits; an unchecked `enforce` box is not sent, so it means `false`. */
export function quotaLimitsFromForm(body: QuotaFormBody | undefined): QuotaLimitsInput {
  const per_hour = count(body?.per_hour)
  const per_day = count(body?.per_day)
  if (per_hour === undefined && per_day === undefined) {
    return { problem: 'give a limit per hour, per day or both (to remove a quota, clear it)' }
  }
  return {
    limits: {
      enforce: CHECKED.has(body?.enforce),
      ...(per_hour === undefined ? {} : { per_hour }),
      ...(per_day === undefined ? {} : { per_day }),
    },
  }
}
