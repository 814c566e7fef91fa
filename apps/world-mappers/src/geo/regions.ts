import { createRequire } from 'node:module'
import { CURATED_ADMIN1 } from './admin1-curated.js'
import type { GeoNamesArea } from './geonames-file.js'
import { normalizeName } from './normalize.js'

/**
 * First-level region names for GeoNames admin1 codes.
 *
 * GeoNames admin1 codes are ISO 3166-2 suffixes for a few countries (US "WA", CH "ZH", BE "VLG")
 * and GeoNames' own numbers for most (DE "02" = Bayern, FR "84", CA "08" = Ontario).
 * `country-region-data` gives region names by ISO suffix. The mapping, per admin1 code, takes the
 * first method that applies:
 *
 * 1. `curated`: admin1-curated.ts, for 18 large countries (seat → subdivision, tested).
 * 2. `iso-code`: the country's codes are alphabetic and at least 80 % of its places carry a code
 *    that is an ISO suffix of that country: the code is taken as the ISO suffix.
 * 3. `seat-name`: the seat of the admin1 (the place with feature code PPLA or PPLC) bears the name
 *    of exactly one region of the country, and no other admin1 claims that region ("Ankara" seat →
 *    Ankara province). Only where `country-region-data` lists regions of the same level (at most
 *    1.5 times as many as GeoNames has codes): elsewhere it lists counties or provinces, and a
 *    seat named like a county ("Edinburgh") would give the wrong level.
 * 4. `iso-code-verified`: numeric codes that equal the ISO suffix, where the seat-name matches of
 *    that country all agree with ISO codes (at least 3 agreements, no contradiction).
 * 5. `elimination`: a single admin1 code left unmapped in a country with as many codes as regions,
 *    gets the single region left.
 *
 * Otherwise the region is unknown and `region` stays undefined rather than a guess.
 */
export type RegionMethod =
  | 'curated'
  | 'iso-code'
  | 'seat-name'
  | 'iso-code-verified'
  | 'elimination'

export interface RegionInfo {
  name: string
  /** ISO 3166-2 suffix ("WA", "BY", "ENG"). */
  code: string
  method: RegionMethod
}

/** What the data says about one GeoNames (country, admin1) pair. */
export interface AreaEvidence {
  /** Number of places in it. */
  places: number
  /** Normalized names (and alternate names) of its seat(s). */
  seatKeys: Set<string>
}

export interface RegionTable {
  /** The region of an area (an index into the GeoNames `areas`). */
  get(area: number): RegionInfo | undefined
  /** Areas whose region name, alias or alphabetic code equals this normalized qualifier. */
  match(key: string): readonly number[] | undefined
  /** How each area was mapped and how many places that covers. */
  report(): RegionReport
}

export interface RegionReport {
  places: number
  placesWithRegion: number
  byMethod: Record<RegionMethod, number>
  /** Countries with the most places whose region is unknown, most first. */
  missingByCountry: Array<{ countryCode: string; places: number; withoutRegion: number }>
  areas: Array<{
    countryCode: string
    admin1: string
    places: number
    seats: string[]
    region: RegionInfo | undefined
  }>
}

type CountryRegions = {
  countryShortCode: string
  regions: Array<{ name: string; shortCode?: string }>
}

/**
 * English names people type for regions whose data name is in the local language. Only used to
 * match qualifiers ("Munich, Bavaria"); the region keeps its data name.
 */
const REGION_ALIASES: Record<string, string[]> = {
  'AT.2': ['Carinthia'],
  'AT.3': ['Lower Austria'],
  'AT.4': ['Upper Austria'],
  'AT.6': ['Styria'],
  'AT.7': ['Tyrol'],
  'AT.9': ['Vienna'],
  'DE.BY': ['Bavaria'],
  'DE.HE': ['Hesse'],
  'DE.MV': ['Mecklenburg-Western Pomerania'],
  'DE.NI': ['Lower Saxony'],
  'DE.NW': ['North Rhine-Westphalia', 'NRW'],
  'DE.RP': ['Rhineland-Palatinate'],
  'DE.SN': ['Saxony'],
  'DE.ST': ['Saxony-Anhalt'],
  'DE.TH': ['Thuringia'],
  'ES.AN': ['Andalusia'],
  'ES.AR': ['Aragon'],
  'ES.CB': ['Cantabria'],
  'ES.CL': ['Castile and Leon'],
  'ES.CM': ['Castile-La Mancha'],
  'ES.CN': ['Canary Islands'],
  'ES.CT': ['Catalonia', 'Catalunya'],
  'ES.IB': ['Balearic Islands'],
  'ES.MC': ['Murcia'],
  'ES.MD': ['Madrid'],
  'ES.NC': ['Navarre'],
  'ES.PV': ['Basque Country', 'Euskadi'],
  'ES.VC': ['Valencian Community', 'Valencia'],
  'FR.BRE': ['Brittany'],
  'FR.COR': ['Corsica'],
  'FR.NOR': ['Normandy'],
  'FR.PAC': ['Provence', 'PACA'],
  'IT.21': ['Piedmont'],
  'IT.23': ['Aosta Valley'],
  'IT.25': ['Lombardy'],
  'IT.32': ['Trentino-South Tyrol'],
  'IT.52': ['Tuscany'],
  'IT.75': ['Apulia'],
  'IT.82': ['Sicily'],
  'IT.88': ['Sardinia'],
  'NL.FR': ['Friesland', 'Fryslan'],
  'NL.NB': ['North Brabant'],
  'NL.NH': ['North Holland'],
  'NL.ZH': ['South Holland'],
}

/** "X Province", "X Oblast", "Republic of X" → "x": region names as seats and users say them. */
const GENERIC_SUFFIX =
  / (province|oblast|region|state|prefecture|governorate|county|voivodeship|krai|department|district|city)$/
const GENERIC_PREFIX = /^(republic of|province of|state of) /

function stripGeneric(key: string): string {
  return key.replace(GENERIC_SUFFIX, '').replace(GENERIC_PREFIX, '')
}

export function createRegionTable(
  areas: readonly GeoNamesArea[],
  evidence: readonly AreaEvidence[],
): RegionTable {
  const require = createRequire(import.meta.url)
  const data = require('country-region-data/data.json') as CountryRegions[]
  const regionsByCountry = new Map(data.map((c) => [c.countryShortCode, c.regions]))

  const result: Array<RegionInfo | undefined> = new Array(areas.length).fill(undefined)
  const areasByCountry = new Map<string, number[]>()
  areas.forEach((area, id) => {
    if (area.admin1 === '' || area.admin1 === '00') return
    const list = areasByCountry.get(area.countryCode)
    if (list) list.push(id)
    else areasByCountry.set(area.countryCode, [id])
  })

  for (const [countryCode, ids] of areasByCountry) {
    const regions = (regionsByCountry.get(countryCode) ?? []).filter((r) => r.shortCode)
    const byCode = new Map(regions.map((r) => [r.shortCode as string, r.name]))
    const curated = CURATED_ADMIN1[countryCode]
    const places = (id: number) => evidence[id]?.places ?? 0

    // 2. alphabetic ISO codes
    const total = ids.reduce((sum, id) => sum + places(id), 0)
    const alphaIso = ids
      .filter(
        (id) => /^[A-Z]+$/.test(areas[id]?.admin1 ?? '') && byCode.has(areas[id]?.admin1 ?? ''),
      )
      .reduce((sum, id) => sum + places(id), 0)
    const usesIsoCodes = total > 0 && alphaIso / total >= 0.8

    // 3. seat names, where the region list is of the same level
    const seatMatch = new Map<number, string>()
    if (regions.length > 0 && regions.length <= ids.length * 1.5) {
      // Full names first ("moscow" → Moscow, not also Moscow Oblast), then short forms.
      const exact = new Map<string, string[]>()
      const short = new Map<string, string[]>()
      for (const r of regions) {
        const key = normalizeName(r.name)
        exact.set(key, [...(exact.get(key) ?? []), r.shortCode as string])
        const stripped = stripGeneric(key)
        short.set(stripped, [...(short.get(stripped) ?? []), r.shortCode as string])
      }
      const claims = new Map<string, number[]>()
      for (const id of ids) {
        const seats = evidence[id]?.seatKeys ?? new Set<string>()
        let found = new Set<string>()
        for (const seat of seats) for (const code of exact.get(seat) ?? []) found.add(code)
        if (found.size === 0) {
          found = new Set()
          for (const seat of seats) for (const code of short.get(seat) ?? []) found.add(code)
        }
        if (found.size !== 1) continue
        const code = [...found][0] as string
        seatMatch.set(id, code)
        claims.set(code, [...(claims.get(code) ?? []), id])
      }
      for (const [, claimants] of claims) {
        if (claimants.length > 1) for (const id of claimants) seatMatch.delete(id)
      }
    }

    // 4. numeric codes that the seat matches confirm as ISO
    let agree = 0
    let contradict = 0
    for (const [id, code] of seatMatch) {
      if (byCode.has(areas[id]?.admin1 ?? '')) {
        if (areas[id]?.admin1 === code) agree++
        else contradict++
      }
    }
    const isoVerified = agree >= 3 && contradict === 0

    for (const id of ids) {
      const admin1 = areas[id]?.admin1 ?? ''
      const entry = curated?.[admin1]
      if (entry) {
        const [code, , name] = entry
        const regionName = name ?? byCode.get(code)
        if (regionName) result[id] = { name: regionName, code, method: 'curated' }
        continue
      }
      const isoName = byCode.get(admin1)
      if (usesIsoCodes && isoName && /^[A-Z]+$/.test(admin1)) {
        result[id] = { name: isoName, code: admin1, method: 'iso-code' }
        continue
      }
      const seatCode = seatMatch.get(id)
      if (seatCode) {
        result[id] = { name: byCode.get(seatCode) as string, code: seatCode, method: 'seat-name' }
        continue
      }
      if (isoVerified && isoName) {
        result[id] = { name: isoName, code: admin1, method: 'iso-code-verified' }
      }
    }

    // 5. elimination
    if (regions.length === ids.length) {
      const unmapped = ids.filter((id) => result[id] === undefined)
      const used = new Set(ids.map((id) => result[id]?.code))
      const left = regions.filter((r) => !used.has(r.shortCode))
      const only = left[0]
      const id = unmapped[0]
      if (unmapped.length === 1 && left.length === 1 && only && id !== undefined) {
        result[id] = { name: only.name, code: only.shortCode as string, method: 'elimination' }
      }
    }
  }

  // Qualifier keys: region name, its short form, English alias and alphabetic code.
  const keys = new Map<string, number[]>()
  const addKey = (key: string, id: number) => {
    if (!key) return
    const list = keys.get(key)
    if (!list) keys.set(key, [id])
    else if (!list.includes(id)) list.push(id)
  }
  result.forEach((region, id) => {
    if (!region) return
    const countryCode = areas[id]?.countryCode
    const name = normalizeName(region.name)
    addKey(name, id)
    addKey(stripGeneric(name), id)
    if (/^[A-Z]+$/.test(region.code)) addKey(region.code.toLowerCase(), id)
    for (const alias of REGION_ALIASES[`${countryCode}.${region.code}`] ?? []) {
      addKey(normalizeName(alias), id)
    }
  })

  return {
    get: (area) => result[area],
    match: (key) => keys.get(key),
    report: () => buildReport(areas, evidence, result),
  }
}

function buildReport(
  areas: readonly GeoNamesArea[],
  evidence: readonly AreaEvidence[],
  result: ReadonlyArray<RegionInfo | undefined>,
): RegionReport {
  const byMethod: Record<RegionMethod, number> = {
    curated: 0,
    'iso-code': 0,
    'seat-name': 0,
    'iso-code-verified': 0,
    elimination: 0,
  }
  const perCountry = new Map<string, { places: number; withoutRegion: number }>()
  let places = 0
  let placesWithRegion = 0
  const list: RegionReport['areas'] = []
  areas.forEach((area, id) => {
    const n = evidence[id]?.places ?? 0
    const region = result[id]
    places += n
    const c = perCountry.get(area.countryCode) ?? { places: 0, withoutRegion: 0 }
    c.places += n
    if (region) {
      placesWithRegion += n
      byMethod[region.method] += n
    } else {
      c.withoutRegion += n
    }
    perCountry.set(area.countryCode, c)
    list.push({
      countryCode: area.countryCode,
      admin1: area.admin1,
      places: n,
      seats: [...(evidence[id]?.seatKeys ?? [])],
      region,
    })
  })
  const missingByCountry = [...perCountry]
    .map(([countryCode, c]) => ({ countryCode, ...c }))
    .filter((c) => c.withoutRegion > 0)
    .sort((a, b) => b.withoutRegion - a.withoutRegion || a.countryCode.localeCompare(b.countryCode))
  return { places, placesWithRegion, byMethod, missingByCountry, areas: list }
}
