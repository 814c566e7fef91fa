import type { QuotaBucket } from '../../oauth/quota-windows.js'
import type { BucketUsage } from './quota-overview.js'

const BUCKETS: Record<QuotaBucket, { label: string; window: string }> = {
  per_hour: { label: 'Per hour', window: 'this hour' },
  per_day: { label: 'Per day', window: 'today (UTC)' },
  monthly: { label: 'Per month', window: 'this month' },
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** A wait as a person reads it: "23 min", "5 h 12 min", "16 days 3 h". */
function duration(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / MINUTE))
  if (minutes < 60) return `${minutes} min`
  if (ms < 2 * DAY) {
    const rest = minutes % 60
    return rest === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${rest} min`
  }
  const hours = Math.floor((ms % DAY) / HOUR)
  return `${Math.floor(ms / DAY)} days${hours === 0 ? '' : ` ${hours} h`}`
}

const count = (n: number) => n.toLocaleString('en-US')

/** "12 of 50 this hour, resets in 23 min": what the bar shows, for everyone. */
function usageText(usage: BucketUsage, enforce: boolean): string {
  const { used, limit, bucket } = usage
  const base = `${count(used)} of ${count(limit)} ${BUCKETS[bucket].window}, resets in ${duration(usage.resetsAt - usage.at)}`
  if (used >= limit && enforce) return `${base} (spent: token requests are refused until then)`
  if (used > limit) return `${base} (${count(used - limit)} over: counted, not refused)`
  return base
}

/** One bucket as a meter, labelled with its owner, and the same numbers as text. */
export function QuotaBar(props: {
  id: string
  ownerName: string
  usage: BucketUsage
  enforce: boolean
}) {
  const { id, usage } = props
  return (
    <div class="quota-bucket">
      <label for={id}>
        <span class="visually-hidden">{props.ownerName}: </span>
        {BUCKETS[usage.bucket].label}
      </label>
      <meter
        id={id}
        min={0}
        max={usage.limit}
        value={Math.min(usage.used, usage.limit)}
        low={Math.round(usage.limit * 0.6)}
        high={Math.round(usage.limit * 0.8)}
        optimum={0}
        aria-describedby={`${id}-text`}
      >
        {count(usage.used)} of {count(usage.limit)}
      </meter>
      <span id={`${id}-text`} class="quota-text">
        {usageText(usage, props.enforce)}
      </span>
    </div>
  )
}
