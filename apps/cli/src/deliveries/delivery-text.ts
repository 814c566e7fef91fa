import type { Paint, Palette } from '../format/colors.js'
import { printable, printableStrings } from '../format/printable.js'
import { relativeTo } from '../format/relative-time.js'
import { type Cell, formatTable } from '../format/table.js'

/**
 * A delivery as gift-deliveries answers it: whole (`GET /deliveries/:id`,
 * `POST`), or a list summary (`GET /deliveries`), whose destination, distance
 * and duration sit at the top level instead of in `route`. Every field is
 * optional here: the text shows what is there and never fails on the rest.
 */
export interface DeliveryLike {
  id: string
  status?: string
  request?: {
    recipient?: { name?: string; email?: string }
    gift?: { description?: string }
    destination?: unknown
    origin?: unknown
  }
  route?: {
    origin?: PlaceLike
    destination?: PlaceLike
    distanceKm?: number
    estimatedDuration?: DurationLike
    heading?: { abbreviation?: string; word?: string } | null
    steps?: Array<{ instruction?: string }>
  } | null
  destination?: PlaceLike | null
  distanceKm?: number | null
  estimatedDuration?: DurationLike | null
  attempts?: number
  lastError?: string | null
  nextAttemptAt?: string | null
  clientId?: string
  createdAt?: string
  updatedAt?: string
  plannedAt?: string | null
}

interface PlaceLike {
  name?: string
  region?: string | null
  country?: string
  countryCode?: string
  address?: string
}

interface DurationLike {
  seconds?: number
  text?: string
  method?: string
}

export interface DeliveryPageLike {
  items: DeliveryLike[]
  nextCursor?: string | null
}

export function isDelivery(value: unknown): value is DeliveryLike {
  return (
    typeof value === 'object' && value !== null && typeof (value as DeliveryLike).id === 'string'
  )
}

export function isDeliveryPage(value: unknown): value is DeliveryPageLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as DeliveryPageLike).items) &&
    (value as DeliveryPageLike).items.every(isDelivery)
  )
}

/** The colour of a status: planned green, pending yellow, failed red. */
function statusPaint(status: string | undefined, paint: Palette): Paint {
  if (status === 'planned') return paint.green
  if (status === 'pending') return paint.yellow
  if (status === 'failed') return paint.red
  return (text) => text
}

/** The first 8 characters of the id, as `git` shortens a hash. */
export function shortId(id: string): string {
  return id.slice(0, 8)
}

/**
 * `m2m deliveries list` for people: one row per delivery, the id shortened,
 * relative creation times, then the command for the next page (`nextPage`
 * gets the cursor: the filters are the caller's to repeat).
 */
export function formatDeliveryTable(
  page: DeliveryPageLike,
  options: {
    now: number
    paint: Palette
    status?: string | undefined
    nextPage?: (cursor: string) => string
  },
): string {
  const { now, paint } = options
  const items = printableStrings(page.items)
  if (items.length === 0) {
    return `no ${options.status ? `${options.status} ` : ''}deliveries`
  }
  const rows = items.map((d): Cell[] => {
    const distance = distanceOf(d)
    return [
      shortId(d.id),
      { text: d.status ?? '?', paint: statusPaint(d.status, paint) },
      d.request?.recipient?.name ?? '',
      placeText(destinationOf(d), d.request?.destination),
      distance === undefined ? '-' : formatDistanceKm(distance),
      durationOf(d)?.text ?? '-',
      d.createdAt ? relativeTo(d.createdAt, now) : '',
    ]
  })
  const table = formatTable(
    ['ID', 'STATUS', 'RECIPIENT', 'DESTINATION', 'DISTANCE', 'DURATION', 'CREATED'],
    rows,
    { alignRight: ['DISTANCE'], headerPaint: paint.bold },
  )
  const cursor = page.nextCursor ? printable(page.nextCursor) : undefined
  const next =
    cursor && options.nextPage ? `\n${paint.dim(`more: ${options.nextPage(cursor)}`)}` : ''
  return table + next
}

/** `m2m deliveries get` for people: the delivery as labelled lines, the route's steps numbered. */
export function formatDeliveryBlock(
  delivery: DeliveryLike,
  options: { now: number; paint: Palette },
): string {
  const { now, paint } = options
  const d = printableStrings(delivery)
  const when = (iso: string | null | undefined) =>
    iso ? `${relativeTo(iso, now)} ${paint.dim(`(${iso})`)}` : undefined
  const status = statusPaint(d.status, paint)(d.status ?? '?')
  const attempts = d.attempts ? ` ${paint.dim(`(${plural(d.attempts, 'planning attempt')})`)}` : ''
  const recipient = d.request?.recipient
  const route = d.route ?? undefined
  const distance = distanceOf(d)
  const duration = durationOf(d)
  const heading = route?.heading?.word ? `, heading ${route.heading.word}` : ''
  const fields: Array<[string, string | undefined]> = [
    ['status', `${status}${attempts}`],
    [
      'recipient',
      recipient?.name
        ? `${recipient.name}${recipient.email ? ` <${recipient.email}>` : ''}`
        : undefined,
    ],
    ['gift', d.request?.gift?.description],
    ['from', route ? placeText(route.origin, d.request?.origin) : placeInput(d.request?.origin)],
    ['to', placeText(destinationOf(d), d.request?.destination)],
    ['distance', distance === undefined ? undefined : `${formatDistanceKm(distance)}${heading}`],
    [
      'duration',
      duration?.text ? `${duration.text}${methodNote(duration.method, paint)}` : undefined,
    ],
    ['created', when(d.createdAt)],
    ['planned', when(d.plannedAt)],
    ['next try', d.status === 'pending' ? when(d.nextAttemptAt) : undefined],
    ['last error', d.lastError ? paint.red(d.lastError) : undefined],
    ['client', d.clientId],
  ]
  const shown = fields.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '')
  const label = Math.max(...shown.map(([name]) => name.length))
  const lines = [
    `${paint.bold('delivery')} ${d.id}`,
    ...shown.map(([name, value]) => `  ${paint.dim(name.padEnd(label))}  ${value}`),
  ]
  const steps = route?.steps?.filter((s) => s.instruction) ?? []
  if (steps.length > 0) {
    lines.push(`  ${paint.dim('route')}`)
    steps.forEach((step, i) => {
      lines.push(`    ${String(i + 1).padStart(String(steps.length).length)}. ${step.instruction}`)
    })
  }
  return lines.join('\n')
}

/**
 * `m2m deliveries create` for people: one line, with the whole id (for
 * `m2m deliveries get`), e.g.
 * `Created delivery 3f2a…: planned, to Paris (FR), 2,381 km, 3 h 59 min`.
 */
export function formatCreated(
  delivery: DeliveryLike,
  options: { replayed: boolean; paint: Palette },
): string {
  const { paint } = options
  const d = printableStrings(delivery)
  const status = statusPaint(d.status, paint)(d.status ?? '?')
  const what = options.replayed
    ? `Delivery ${d.id} already existed (same --idempotency-key)`
    : `Created delivery ${d.id}`
  const to = `to ${placeText(destinationOf(d), d.request?.destination)}`
  const distance = distanceOf(d)
  const details =
    d.status === 'pending'
      ? [to, 'planned later (m2m deliveries get shows when)']
      : [to, distance === undefined ? undefined : formatDistanceKm(distance), durationOf(d)?.text]
  return `${what}: ${[status, ...details].filter(Boolean).join(', ')}`
}

/**
 * A distance for people, as world-mappers writes them: whole km with thousands
 * separators from 10 km ("5,420 km"), one decimal below ("2.4 km").
 */
export function formatDistanceKm(km: number): string {
  const tenths = Math.round(km * 10)
  if (tenths >= 100) return `${String(Math.round(km)).replace(/\B(?=(\d{3})+$)/g, ',')} km`
  return `${Math.floor(tenths / 10)}.${tenths % 10} km`
}

function destinationOf(d: DeliveryLike): PlaceLike | undefined {
  return d.destination ?? d.route?.destination ?? undefined
}

function distanceOf(d: DeliveryLike): number | undefined {
  const km = d.distanceKm ?? d.route?.distanceKm
  return typeof km === 'number' ? km : undefined
}

function durationOf(d: DeliveryLike): DurationLike | undefined {
  return d.estimatedDuration ?? d.route?.estimatedDuration ?? undefined
}

/** "Paris (FR)" when resolved, else what the caller asked for ("Qxzzy", "48.8,2.3"). */
function placeText(resolved: PlaceLike | undefined, requested: unknown): string {
  if (resolved?.name) {
    const where = resolved.countryCode ? ` (${resolved.countryCode})` : ''
    return `${resolved.name}${resolved.address ? `, ${resolved.address}` : ''}${where}`
  }
  return placeInput(requested) ?? ''
}

function placeInput(requested: unknown): string | undefined {
  if (typeof requested === 'string') return requested
  if (typeof requested === 'object' && requested !== null) {
    const { lat, lng } = requested as { lat?: unknown; lng?: unknown }
    if (typeof lat === 'number' && typeof lng === 'number') return `${lat},${lng}`
  }
  return undefined
}

/** "Road estimate: great-circle distance × 1.3 …" → " (road estimate)". */
function methodNote(method: string | undefined, paint: Palette): string {
  const name = method?.split(':')[0]?.trim().toLowerCase()
  return name ? ` ${paint.dim(`(${name})`)}` : ''
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
