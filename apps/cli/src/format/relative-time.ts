/**
 * How far `ms` (a difference from now) is, for people: "in 41 min", "3 min ago",
 * "just now". Seconds up to a minute, minutes up to 2 h, hours up to 2 days,
 * then days. Numbers are rounded, never negative.
 */
export function relativeTime(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000)
  if (ms < 0 && seconds < 5) return 'just now'
  const amount = magnitude(seconds)
  return ms < 0 ? `${amount} ago` : `in ${amount}`
}

/** When `iso` was or will be, relative to `now`; the text itself when it is no date. */
export function relativeTo(iso: string, now: number): string {
  const at = Date.parse(iso)
  return Number.isNaN(at) ? iso : relativeTime(at - now)
}

function magnitude(seconds: number): string {
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 120) return `${minutes} min`
  const hours = Math.round(minutes / 60)
  if (hours < 48) return `${hours} h`
  const days = Math.round(hours / 24)
  return days === 1 ? '1 day' : `${days} days`
}
