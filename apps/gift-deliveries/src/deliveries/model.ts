/** Where a delivery goes or starts: a place name, or coordinates. */
export type PlaceInput = string | { lat: number; lng: number }

/** A place as world-mappers resolved it. */
export interface ResolvedPlace {
  name: string
  lat: number
  lng: number
  region: string | null
  country: string
  countryCode: string
  /**
   * How precisely world-mappers placed it: `locality` for a town (and for a street address, which
   * it answers with its town), `address` for its operator's own places with a street address, …
   * Absent on deliveries planned before world-mappers said.
   */
  precision?: string
  /** The street address as the caller gave it, when world-mappers read the place as one. */
  address?: string
}

/** What a caller asks for in `POST /deliveries`. */
export interface DeliveryRequest {
  recipient: { name: string; email?: string }
  gift: { description: string }
  destination: PlaceInput
  /** Default: the depot (world-mappers' default origin). */
  origin?: PlaceInput
}

/** The planned route, from world-mappers' directions. */
export interface DeliveryRoute {
  origin: ResolvedPlace
  destination: ResolvedPlace
  distanceKm: number
  estimatedDuration: { seconds: number; text: string; method: string }
  heading: { abbreviation: string; word: string } | null
  steps: Array<{ instruction: string; distanceKm: number }>
  path: { type: 'LineString'; coordinates: number[][] }
  note: string
}

export type DeliveryStatus = 'pending' | 'planned' | 'failed'

export interface Delivery {
  id: string
  status: DeliveryStatus
  request: DeliveryRequest
  route: DeliveryRoute | null
  /** Planning attempts so far. */
  attempts: number
  /** Why the last attempt failed, or why the delivery failed for good. */
  lastError: string | null
  /** When the background worker tries again (pending only). */
  nextAttemptAt: string | null
  /** The client (`azp`) that created it. */
  clientId: string
  createdAt: string
  updatedAt: string
  plannedAt: string | null
}

/** The part of a route a list shows. */
export interface DeliverySummaryRoute {
  /** Where it goes, as world-mappers resolved it. */
  destination: ResolvedPlace
  distanceKm: number
  estimatedDuration: DeliveryRoute['estimatedDuration']
}

/**
 * A delivery as `GET /deliveries` lists it by default: no route (its GeoJSON
 * path and steps), but where it goes, how far and how long (null until planned).
 */
export interface DeliverySummary {
  id: string
  status: DeliveryStatus
  request: DeliveryRequest
  destination: ResolvedPlace | null
  distanceKm: number | null
  estimatedDuration: DeliveryRoute['estimatedDuration'] | null
  attempts: number
  lastError: string | null
  nextAttemptAt: string | null
  createdAt: string
  updatedAt: string
  plannedAt: string | null
}
