/**
 * Splits a street address into its parts, so that the geocoder can resolve the most precise part
 * its data has (the locality: GeoNames holds no streets).
 *
 * Why not a parser from the registry: `parse-address` and `addresser` read US addresses only, and
 * libpostal (node-postal) needs a native build and 2 GB of model data. People send addresses from
 * everywhere, so this is a small rule-based parser for the common layouts:
 *
 * - `[unit,] street, [district,] locality [postcode], [region [postcode],] [country]`, comma
 *   separated: "132 High St, London, United Kingdom", "Flat 2, 10 Downing Street, London SW1A 2AA",
 *   "Unter den Linden 77, 10117 Berlin", "1600 Pennsylvania Ave NW, Washington, DC 20500".
 * - Without commas, only the English order, "<number> <words> <street type> <locality…>":
 *   "221B Baker Street London".
 *
 * A part is a street when it has a house number ("10", "221B", "12-14") before or after its words,
 * or a street type in the position its language puts it: last for English, German, Dutch and
 * Nordic ("Baker Street", "Friedrichstraße", "Kalverstraat"), first for Romance and Slavic
 * languages ("Rue de Rivoli", "Via Roma", "ul. Marszałkowska"). Postcodes are taken out of the
 * parts after the street (UK, Canadian, Dutch, US ZIP, and 3–6 digit codes with optional country
 * prefix, "D-10117").
 *
 * The input is normalized text (normalize.ts) split at commas; a query that has no street part is
 * not an address, and `parseAddress` answers undefined.
 */
import { normalizeName } from './normalize.js'

export interface ParsedAddress {
  /** "10", "221b" (normalized). */
  houseNumber: string | undefined
  /** The street part as typed ("Downing St"), without its house number; undefined for "postcode locality". */
  street: string | undefined
  /** Flat, suite, floor… as typed, when given as a part of its own. */
  unit: string | undefined
  /** As typed ("SW1A 2AA", "10117"). */
  postcode: string | undefined
  /**
   * The parts after the street, as typed, postcodes removed: locality first, then what qualifies
   * it (district, region, country). May be empty ("10 Downing St, SW1A 2AA").
   */
  places: string[]
}

/** Street types that end a street's name ("Baker Street", "High St"). */
const TRAILING_TYPES = new Set([
  'street',
  'st',
  'str',
  'road',
  'rd',
  'avenue',
  'ave',
  'av',
  'boulevard',
  'blvd',
  'lane',
  'ln',
  'drive',
  'dr',
  'court',
  'ct',
  'place',
  'pl',
  'square',
  'sq',
  'terrace',
  'ter',
  'tce',
  'way',
  'highway',
  'hwy',
  'parkway',
  'pkwy',
  'circle',
  'cir',
  'crescent',
  'cres',
  'close',
  'row',
  'mews',
  'gardens',
  'gdns',
  'grove',
  'walk',
  'wharf',
  'alley',
  'trail',
  'plaza',
  'embankment',
  'quay',
  'strasse',
  'weg',
  'gasse',
  'platz',
  'allee',
  'damm',
  'ufer',
  'straat',
  'laan',
  'gracht',
  'plein',
  'kade',
  'gatan',
  'gata',
  'vagen',
  'gade',
  'vej',
  'gate',
  'veien',
  'katu',
  'utca',
  'sokak',
  'caddesi',
])
/** Endings of one-word street names ("friedrichstrasse", "kalverstraat", "drottninggatan"). */
const TRAILING_SUFFIXES = [
  'strasse',
  'str',
  'weg',
  'gasse',
  'platz',
  'allee',
  'damm',
  'straat',
  'laan',
  'gracht',
  'gatan',
  'vagen',
  'gade',
  'vej',
  'veien',
  'katu',
]
/** Street types that begin a street's name ("Rue de Rivoli", "Via Roma"). */
const LEADING_TYPES = new Set([
  'rue',
  'avenue',
  'av',
  'avda',
  'avenida',
  'boulevard',
  'bd',
  'bld',
  'chemin',
  'impasse',
  'quai',
  'allee',
  'calle',
  'paseo',
  'plaza',
  'placa',
  'camino',
  'carrera',
  'calzada',
  'ronda',
  'via',
  'viale',
  'piazza',
  'corso',
  'vicolo',
  'largo',
  'strada',
  'rua',
  'travessa',
  'praca',
  'estrada',
  'alameda',
  'ulica',
  'ul',
  'aleja',
  'plac',
  'ulitsa',
  'prospekt',
  'jalan',
  'jl',
  'calea',
  'улица',
  'ул',
  'проспект',
])
/** English directions after a street's type ("Pennsylvania Ave NW"). */
const DIRECTIONS = new Set([
  'n',
  's',
  'e',
  'w',
  'ne',
  'nw',
  'se',
  'sw',
  'north',
  'south',
  'east',
  'west',
])
/** A part that is only a unit: "Flat 2", "Suite 200", "Floor 3", "#12". */
const UNIT =
  /^\s*(?:(?:flat|apt|apartment|suite|unit|floor|fl|room|rm)\b\.?\s*[\w-]*|#\s*[\w-]+|no\.?\s*\d+[a-z]?)\s*$/i
/** A unit ("Flat 2", "Unit 3B") or a number ("#5", "No. 10") opening the street's part. */
const UNIT_PREFIX =
  /^\s*(?:((?:flat|apt|apartment|suite|unit|room|rm)\.?\s+[\w-]+)|(?:#|no\.?)\s*(\d+[a-z]?))\s+/i
const HOUSE_NUMBER = /^\d{1,6}[a-z]?(?:[-/]\d{1,6}[a-z]?)?$/
const POSTCODES = [
  /\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b/gi, // UK
  /\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b/gi, // Canada
  /\b\d{4} ?[A-Z]{2}\b/g, // Netherlands (capitals only: "1000 AB", not "1000 km")
  /\b\d{5}-\d{3,4}\b/g, // US ZIP+4, Brazil
  /\b\d{3}-\d{4}\b/g, // Japan
  /\b\d{2}-\d{3}\b/g, // Poland
  /\b[A-Z]{1,2}-\d{4,5}\b/gi, // "D-10117", "CH-8001"
  // 4 to 6 digits: 3-digit codes are rare (Iceland) and would eat "100 Mile House".
  /\b\d{4,6}\b/g,
]

/** The address parts of `input`; undefined when it has no street part (a place name). */
export function parseAddress(input: string): ParsedAddress | undefined {
  const parts = splitParts(input)
  if (parts.length === 0) return undefined
  let unit: string | undefined
  if (parts.length > 1 && UNIT.test(parts[0] as string)) {
    unit = parts.shift()
  }
  // A unit or number before the street in the same part: "#5 Main St", "Unit 3 42 Wallaby Way",
  // "No. 10 Downing Street".
  const prefix = UNIT_PREFIX.exec(parts[0] as string)
  let numbered: string | undefined
  if (prefix && normalizeName((parts[0] as string).slice(prefix[0].length)) !== '') {
    parts[0] = (parts[0] as string).slice(prefix[0].length)
    if (prefix[1]) unit = prefix[1].trim()
    numbered = prefix[2]
  }
  const first = parts[0] as string
  const found = streetOf(first)
  const street =
    found && numbered && !found.houseNumber ? { ...found, houseNumber: numbered } : found
  if (street && parts.length > 1) return withPostcode(unit, street, parts.slice(1))
  if (parts.length === 1) {
    const run = streetRun(first)
    if (run)
      return withPostcode(unit, { houseNumber: run.houseNumber, street: run.street }, [run.rest])
  }
  // "10 Downing Street" alone: an address whose locality is missing; "Deer Alley" is a name.
  if (street?.houseNumber && parts.length === 1) {
    return { ...street, unit, postcode: undefined, places: [] }
  }
  return undefined
}

/**
 * The query without its postcodes, when it has any: "75001 Paris, France" → "Paris, France",
 * "New York 10001" → "New York", "Paris, TX 75460" → "Paris, TX". Undefined when it has none.
 */
export function withoutPostcodes(input: string): { text: string; postcode: string } | undefined {
  const parts = splitParts(input)
  let postcode: string | undefined
  const kept = parts.map((part) => {
    const { kept: rest, postcode: code } = stripPostcodes(part)
    postcode ??= code
    return rest
  })
  if (postcode === undefined) return undefined
  const text = kept.filter((part) => normalizeName(part) !== '').join(', ')
  return text === '' ? undefined : { text, postcode }
}

function splitParts(input: string): string[] {
  return input
    .split(/[,;]/)
    .map((part) => part.trim().replace(/\s+/g, ' '))
    .filter((part) => normalizeName(part) !== '')
}

interface Street {
  houseNumber: string | undefined
  street: string
}

/** The street of one comma-separated part, or undefined when it is no street. */
function streetOf(part: string): Street | undefined {
  const words = part.split(' ')
  const keys = words.map(normalizeName)
  let houseNumber: string | undefined
  let from = 0
  let to = words.length
  if (HOUSE_NUMBER.test(keys[0] as string) && words.length > 1) {
    houseNumber = keys[0]
    from = 1
  } else if (HOUSE_NUMBER.test(keys[to - 1] as string) && words.length > 1) {
    houseNumber = keys[to - 1]
    to--
  }
  const named = keys.slice(from, to).filter((k) => /\p{L}/u.test(k))
  if (named.length === 0) return undefined
  const street = words.slice(from, to).join(' ')
  if (houseNumber) return { houseNumber, street }
  return hasStreetType(keys.slice(from, to)) ? { houseNumber, street } : undefined
}

/** Whether the words of a part are a street's name by its type: "Baker Street", "Rue de Rivoli". */
function hasStreetType(keys: readonly string[]): boolean {
  if (keys.length === 0) return false
  let last = keys.length - 1
  if (last > 0 && DIRECTIONS.has(keys[last] as string)) last--
  const end = keys[last] as string
  if (last > 0 && TRAILING_TYPES.has(end)) return true
  if (keys.length > 1 && LEADING_TYPES.has(keys[0] as string)) return true
  return keys.some((k) => TRAILING_SUFFIXES.some((s) => k.length > s.length + 2 && k.endsWith(s)))
}

/** "221B Baker Street London": a house number, then words up to a trailing street type, then the rest. */
function streetRun(text: string): (Street & { rest: string }) | undefined {
  const words = text.split(' ')
  const keys = words.map(normalizeName)
  if (!HOUSE_NUMBER.test(keys[0] as string)) return undefined
  for (let end = 2; end < words.length - 1; end++) {
    if (!TRAILING_TYPES.has(keys[end] as string)) continue
    const afterDirection = DIRECTIONS.has(keys[end + 1] as string) ? end + 1 : end
    const rest = words.slice(afterDirection + 1).join(' ')
    if (normalizeName(rest) === '') return undefined
    return { houseNumber: keys[0], street: words.slice(1, afterDirection + 1).join(' '), rest }
  }
  return undefined
}

/** The address with postcodes taken out of the parts after its street. */
function withPostcode(unit: string | undefined, street: Street, rest: string[]): ParsedAddress {
  let postcode: string | undefined
  const places: string[] = []
  for (const part of rest) {
    const { kept, postcode: code } = stripPostcodes(part)
    postcode ??= code
    if (normalizeName(kept) !== '') places.push(kept)
  }
  return { ...street, unit, postcode, places }
}

/** One part without its postcodes, and the first one found. */
function stripPostcodes(part: string): { kept: string; postcode: string | undefined } {
  let postcode: string | undefined
  let kept = part
  for (const pattern of POSTCODES) {
    kept = kept.replace(pattern, (code) => {
      postcode ??= code
      return ' '
    })
  }
  return { kept: kept.replace(/\s+/g, ' ').trim(), postcode }
}
