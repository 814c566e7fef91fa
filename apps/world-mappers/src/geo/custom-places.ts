import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { PlacesFileInvalidError, PlacesFileParseError, PlacesFileReadError } from '../errors.js'
import { normalizeName } from './normalize.js'

/** One of the operator's own places, as written in PLACES_FILE. */
export interface CustomPlaceEntry {
  name: string
  aliases: string[]
  lat: number
  lng: number
  address: string | undefined
}

const FIELDS = ['name', 'aliases', 'lat', 'lng', 'address'] as const
const FIELD_HINTS: Record<string, string> = {
  lon: 'lng',
  long: 'lng',
  longitude: 'lng',
  latitude: 'lat',
  alias: 'aliases',
}
const MAX_NAME_LENGTH = 200

/**
 * Reads PLACES_FILE: YAML (`.yaml`, `.yml`) or JSON (`.json`; any other extension is read as YAML,
 * of which JSON is a subset). The document is a list of places, or `{ places: [...] }`.
 * Every problem is reported at once, each naming the entry and the field.
 */
export async function loadCustomPlaces(path: string): Promise<CustomPlaceEntry[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause)
    throw new PlacesFileReadError(path, reason, { cause })
  }
  let document: unknown
  try {
    document = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text)
  } catch (cause) {
    const detail = (cause instanceof Error && cause.message.split('\n')[0]) || String(cause)
    throw new PlacesFileParseError(path, detail, { cause })
  }
  return validateCustomPlaces(document, `PLACES_FILE ${path}`)
}

/** Checks a parsed PLACES_FILE document; throws GEO_ERR_PLACES_FILE_INVALID listing every issue. */
export function validateCustomPlaces(
  document: unknown,
  source = 'PLACES_FILE',
): CustomPlaceEntry[] {
  const list = Array.isArray(document)
    ? document
    : isRecord(document) && Array.isArray(document.places)
      ? document.places
      : document === null || document === undefined
        ? []
        : undefined
  if (list === undefined) {
    throw new PlacesFileInvalidError(source, [
      'expected a list of places or an object with a "places" list',
    ])
  }

  const issues: string[] = []
  const places: CustomPlaceEntry[] = []
  const owners = new Map<string, string>()
  list.forEach((entry: unknown, index) => {
    const label = describe(entry, index)
    const problem = (field: string, message: string) =>
      issues.push(`${label}, ${field}: ${message}`)
    if (!isRecord(entry)) {
      issues.push(`${label}: must be an object with name, lat and lng`)
      return
    }
    for (const key of Object.keys(entry)) {
      if (!(FIELDS as readonly string[]).includes(key)) {
        const hint = FIELD_HINTS[key]
        problem(key, `unknown field${hint ? ` (did you mean "${hint}"?)` : ''}`)
      }
    }
    const { name, aliases, lat, lng, address } = entry
    let ok = true
    if (typeof name !== 'string' || name.trim() === '') {
      problem('name', 'is required and must be a non-empty string')
      ok = false
    } else if (name.length > MAX_NAME_LENGTH || !normalizeName(name)) {
      problem('name', `must have letters or digits and at most ${MAX_NAME_LENGTH} characters`)
      ok = false
    }
    let aliasList: string[] = []
    if (aliases !== undefined) {
      if (!Array.isArray(aliases)) {
        problem('aliases', 'must be a list of strings')
        ok = false
      } else {
        aliases.forEach((alias: unknown, i) => {
          if (
            typeof alias !== 'string' ||
            !normalizeName(alias) ||
            alias.length > MAX_NAME_LENGTH
          ) {
            problem(`aliases[${i}]`, 'must be a non-empty string with letters or digits')
            ok = false
          }
        })
        aliasList = aliases.filter((a): a is string => typeof a === 'string')
      }
    }
    ok = checkCoordinate(lat, 'lat', 90, problem) && ok
    ok = checkCoordinate(lng, 'lng', 180, problem) && ok
    if (address !== undefined && typeof address !== 'string') {
      problem('address', 'must be a string')
      ok = false
    }
    if (!ok || typeof name !== 'string') return

    // Names and aliases are matched normalized, so "Auth0 HQ" and "auth0-hq" are the same name.
    const seen = new Set<string>()
    const check = (value: string, field: string) => {
      const key = normalizeName(value)
      if (seen.has(key)) return
      seen.add(key)
      const owner = owners.get(key)
      if (owner !== undefined) {
        problem(field, `"${value}" duplicates a name or alias of ${owner}`)
        ok = false
      } else {
        owners.set(key, label)
      }
    }
    check(name, 'name')
    for (const [i, alias] of aliasList.entries()) check(alias, `aliases[${i}]`)
    if (!ok) return
    places.push({
      name: name.trim(),
      aliases: aliasList.map((a) => a.trim()),
      lat: lat as number,
      lng: lng as number,
      address: typeof address === 'string' && address.trim() ? address.trim() : undefined,
    })
  })

  if (issues.length > 0) {
    throw new PlacesFileInvalidError(source, issues)
  }
  return places
}

function checkCoordinate(
  value: unknown,
  field: 'lat' | 'lng',
  limit: number,
  problem: (field: string, message: string) => void,
): boolean {
  if (value === undefined || value === null) {
    problem(field, `is required (a number from -${limit} to ${limit})`)
    return false
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problem(field, `must be a number from -${limit} to ${limit} (got ${JSON.stringify(value)})`)
    return false
  }
  if (value < -limit || value > limit) {
    problem(field, `must be between -${limit} and ${limit} (got ${value})`)
    return false
  }
  return true
}

function describe(entry: unknown, index: number): string {
  const name = isRecord(entry) && typeof entry.name === 'string' ? ` ("${entry.name}")` : ''
  return `places[${index}]${name}`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
