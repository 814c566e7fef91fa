import type { CountryTable } from './countries.js'
import type { CustomPlaceEntry } from './custom-places.js'
import type { GeoNamesTable } from './geonames-file.js'
import type { NameIndex } from './name-index.js'
import { normalizeName } from './normalize.js'
import type { RegionTable } from './regions.js'
import type { Place } from './types.js'

/** A place found under a name: its index in the list, and whether that is its own name. */
export interface Lookup {
  place: number
  primary: boolean
  custom: boolean
  /** Found only after spelling out an abbreviation ("St" → "Saint"); set by the gazetteer. */
  expanded?: boolean
}

/**
 * Every place the gazetteer knows, by index: the GeoNames cities first
 * (`0 … cityCount − 1`), then the PLACES_FILE places. Place objects are made
 * on first use, frozen, and reused.
 */
export interface PlaceList {
  readonly cityCount: number
  readonly size: number
  placeAt(i: number): Place
  /** The GeoNames administrative area (for region qualifiers); −1 when none. */
  areaOf(i: number): number
  /** 0 for PLACES_FILE places. */
  populationOf(i: number): number
  /** 0 for PLACES_FILE places. */
  geonameIdOf(i: number): number
  /** The places under a normalized name, PLACES_FILE places first. */
  lookup(name: string): Lookup[]
  /** The name a PLACES_FILE place was found by: the alias that matched `raw`, else `raw`. */
  customName(i: number, raw: string): string
}

export interface PlaceListParts {
  table: GeoNamesTable
  /** GeoNames names and alternate names → `index × 2 + (own name ? 1 : 0)`. */
  names: NameIndex
  regions: RegionTable
  countries: CountryTable
  customEntries: readonly CustomPlaceEntry[]
  /** The GeoNames city nearest to a point. */
  nearestCity(lat: number, lng: number): number | undefined
}

export function createPlaceList(parts: PlaceListParts): PlaceList {
  const { table, names, regions, countries } = parts
  const cityCount = table.count

  const cache: Array<Place | undefined> = new Array(cityCount)
  const cityPlace = (i: number): Place => {
    const cached = cache[i]
    if (cached) return cached
    const areaId = table.area[i] as number
    const countryCode = table.areas[areaId]?.countryCode ?? ''
    const region = regions.get(areaId)
    const place: Place = Object.freeze({
      id: `geonames:${table.geonameId[i]}`,
      name: table.nameOf(i),
      lat: table.lat[i] as number,
      lng: table.lng[i] as number,
      region: region?.name,
      regionCode: region?.code,
      country: countries.name(countryCode),
      countryCode,
      population: table.population[i] as number,
      kind: 'city',
    })
    cache[i] = place
    return place
  }

  // Custom places take their region and country from the nearest GeoNames place.
  const custom = parts.customEntries.map((entry) => {
    const nearest = parts.nearestCity(entry.lat, entry.lng)
    return {
      entry,
      place: customPlace(entry, nearest === undefined ? undefined : cityPlace(nearest)),
      area: nearest === undefined ? -1 : (table.area[nearest] as number),
    }
  })
  const customIndex = new Map<string, Array<{ place: number; primary: boolean }>>()
  custom.forEach(({ entry }, i) => {
    ;[entry.name, ...entry.aliases].forEach((n, j) => {
      const key = normalizeName(n)
      const list = customIndex.get(key) ?? []
      if (!list.some((e) => e.place === i)) list.push({ place: i, primary: j === 0 })
      customIndex.set(key, list)
    })
  })

  return {
    cityCount,
    size: cityCount + custom.length,
    placeAt: (i) => (i < cityCount ? cityPlace(i) : (custom[i - cityCount]?.place as Place)),
    areaOf: (i) =>
      i < cityCount ? (table.area[i] as number) : (custom[i - cityCount]?.area ?? -1),
    populationOf: (i) => (i < cityCount ? (table.population[i] as number) : 0),
    geonameIdOf: (i) => (i < cityCount ? (table.geonameId[i] as number) : 0),
    lookup(name) {
      const found: Lookup[] = []
      for (const { place, primary } of customIndex.get(name) ?? []) {
        found.push({ place: cityCount + place, primary, custom: true })
      }
      for (const value of names.get(name)) {
        found.push({ place: value >> 1, primary: (value & 1) === 1, custom: false })
      }
      return found
    },
    customName(i, raw) {
      const entry = custom[i - cityCount]?.entry
      const key = normalizeName(raw)
      return entry?.aliases.find((a) => normalizeName(a) === key) ?? raw
    },
  }
}

function customPlace(entry: CustomPlaceEntry, near: Place | undefined): Place {
  return Object.freeze({
    id: `custom:${normalizeName(entry.name).replace(/ /g, '-')}`,
    name: entry.name,
    lat: entry.lat,
    lng: entry.lng,
    region: near?.region,
    regionCode: near?.regionCode,
    country: near?.country ?? '',
    countryCode: near?.countryCode ?? '',
    population: 0,
    address: entry.address,
    kind: 'custom',
  })
}
