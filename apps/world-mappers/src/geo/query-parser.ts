import { normalizeName } from './normalize.js'

export type ParsedQuery =
  | { kind: 'coordinates'; lat: number; lng: number }
  | {
      kind: 'name'
      /** The name part as typed, trimmed ("São Paulo"). */
      raw: string
      /** The name part, normalized ("sao paulo"). */
      name: string
      /** Normalized qualifiers after the name, in order ("wa", "us"). */
      qualifiers: string[]
    }
  /** Nothing usable: empty after normalization, too long, too many parts, or bad coordinates. */
  | { kind: 'none' }

/** Longer queries are not names of places; they are answered with no match. */
export const MAX_QUERY_LENGTH = 256
/** Name plus at most this many comma-separated qualifiers ("Bellevue, King County, WA, USA"). */
export const MAX_QUALIFIERS = 4

const NUMBER = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)'
const COORDINATES = new RegExp(`^\\s*(${NUMBER})\\s*(?:[,;]|\\s)\\s*(${NUMBER})\\s*$`)

/**
 * `"lat,lng"` or `"lat lng"` in decimal degrees → coordinates; anything else that looks like two
 * numbers → undefined. Out-of-range values give `{ valid: false }` so callers can say why.
 */
export function parseCoordinates(
  input: string,
): { valid: true; lat: number; lng: number } | { valid: false } | undefined {
  const match = COORDINATES.exec(input)
  if (!match) return undefined
  const lat = Number(match[1])
  const lng = Number(match[2])
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return { valid: false }
  if (lat < -90 || lat > 90 || lng < -180 || lng > 180) return { valid: false }
  return { valid: true, lat, lng }
}

/**
 * Splits a geocoding query: `"47.6,-122.2"` → coordinates; `"Bellevue, WA, US"` → name
 * "bellevue" with qualifiers ["wa", "us"]. Qualifiers without commas ("Paris France") are
 * found later, by the gazetteer, which knows which trailing words are region or country names.
 */
export function parseQuery(input: string): ParsedQuery {
  if (typeof input !== 'string' || input.length > MAX_QUERY_LENGTH) return { kind: 'none' }
  const coordinates = parseCoordinates(input)
  if (coordinates) {
    return coordinates.valid
      ? { kind: 'coordinates', lat: coordinates.lat, lng: coordinates.lng }
      : { kind: 'none' }
  }
  const parts = input.split(/[,;]/)
  const first = parts[0] ?? ''
  const name = normalizeName(first)
  if (!name) return { kind: 'none' }
  const qualifiers = parts.slice(1).map(normalizeName).filter(Boolean)
  if (qualifiers.length > MAX_QUALIFIERS) return { kind: 'none' }
  return { kind: 'name', raw: first.trim().replace(/\s+/g, ' '), name, qualifiers }
}

/**
 * Abbreviations of words that begin place names, and what they stand for, in the languages
 * GeoNames spells them in: "St" is Saint (English, French) or Sankt (German, Scandinavian).
 */
const ABBREVIATIONS: Record<string, readonly string[]> = {
  st: ['saint', 'sankt'],
  ste: ['sainte'],
  sta: ['santa'],
  sto: ['santo'],
  mt: ['mount', 'mont'],
  ft: ['fort'],
  pt: ['port', 'point'],
  pto: ['puerto'],
  cd: ['ciudad'],
  gral: ['general'],
}
/** At most this many spelled-out forms are tried for one name. */
const MAX_EXPANSIONS = 4

/**
 * Spelled-out forms of a normalized name ("st louis" → "saint louis", "sankt louis"), if any
 * differ; the most common reading first.
 */
export function expandAbbreviations(name: string): string[] {
  const words = name.split(' ')
  if (!words.some((word) => Object.hasOwn(ABBREVIATIONS, word))) return []
  let forms: string[][] = [[]]
  for (const word of words) {
    const readings = Object.hasOwn(ABBREVIATIONS, word) ? (ABBREVIATIONS[word] ?? []) : [word]
    forms = forms
      .flatMap((form) => readings.map((reading) => [...form, reading]))
      .slice(0, MAX_EXPANSIONS)
  }
  return forms.map((form) => form.join(' '))
}
