import { createRequire } from 'node:module'
import countries from 'i18n-iso-countries'
import { normalizeName } from './normalize.js'

/** Country names and the names and codes a query may use for a country. */
export interface CountryTable {
  /** English display name ("United States"); the code itself when unknown. */
  name(countryCode: string): string
  /** Alpha-2 codes a normalized qualifier may mean ("usa" → US, "georgia" → GE). */
  match(key: string): readonly string[] | undefined
}

type LocaleData = { locale: string; countries: Record<string, string | string[]> }

/**
 * Short English names where the first name of `i18n-iso-countries` is a formal or inverted form
 * ("United States of America", "Korea, Republic of"). The formal names stay matchable.
 */
const DISPLAY_NAMES: Record<string, string> = {
  BN: 'Brunei',
  BO: 'Bolivia',
  CD: 'Democratic Republic of the Congo',
  CG: 'Republic of the Congo',
  CN: 'China',
  CZ: 'Czechia',
  FK: 'Falkland Islands',
  FM: 'Micronesia',
  GB: 'United Kingdom',
  GM: 'The Gambia',
  IR: 'Iran',
  KR: 'South Korea',
  LA: 'Laos',
  MD: 'Moldova',
  MK: 'North Macedonia',
  PS: 'Palestine',
  RE: 'Réunion',
  RU: 'Russia',
  SY: 'Syria',
  TW: 'Taiwan',
  TZ: 'Tanzania',
  US: 'United States',
  VA: 'Vatican City',
  VE: 'Venezuela',
  VG: 'British Virgin Islands',
  VI: 'U.S. Virgin Islands',
}

/** Extra English aliases people type that the locale data lacks. */
const EXTRA_ALIASES: Record<string, string[]> = {
  GB: ['Britain', 'England', 'Scotland', 'Wales', 'Northern Ireland'],
  NL: ['Holland'],
  US: ['America'],
  AE: ['Emirates'],
  CI: ['Ivory Coast'],
  CV: ['Cabo Verde'],
  SZ: ['Swaziland'],
  MM: ['Burma'],
  TL: ['East Timor'],
}

/**
 * Locales whose names are also accepted (endonyms and common exonyms: "Deutschland", "España",
 * "Россия", "日本"). A name from these that two countries share is dropped; English names win.
 */
const ALIAS_LOCALES = ['de', 'es', 'fr', 'it', 'nl', 'pt', 'pl', 'sv', 'tr', 'ru', 'ja', 'zh', 'ko']

/** Whether `code` (upper case) is an ISO 3166-1 alpha-2 code. */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code)
}

export function createCountryTable(): CountryTable {
  const require = createRequire(import.meta.url)
  const en = require('i18n-iso-countries/langs/en.json') as LocaleData
  countries.registerLocale(en)
  const alpha3 = countries.getAlpha2Codes()

  const display = new Map<string, string>()
  const keys = new Map<string, Set<string>>()
  const add = (key: string, code: string) => addTo(keys, key, code)

  for (const [code, names] of Object.entries(en.countries)) {
    const list = Array.isArray(names) ? names : [names]
    display.set(code, DISPLAY_NAMES[code] ?? list[0] ?? code)
    for (const n of [...list, ...(EXTRA_ALIASES[code] ?? []), DISPLAY_NAMES[code] ?? '']) {
      add(normalizeName(n), code)
    }
    add(code.toLowerCase(), code)
    const a3 = alpha3[code]
    if (a3) add(a3.toLowerCase(), code)
  }

  const foreign = new Map<string, Set<string>>()
  for (const locale of ALIAS_LOCALES) {
    const data = require(`i18n-iso-countries/langs/${locale}.json`) as LocaleData
    for (const [code, names] of Object.entries(data.countries)) {
      for (const n of Array.isArray(names) ? names : [names]) {
        const key = normalizeName(n)
        if (!keys.has(key)) addTo(foreign, key, code)
      }
    }
  }
  for (const [key, codes] of foreign) if (codes.size === 1) keys.set(key, codes)

  const frozen = new Map<string, readonly string[]>()
  for (const [key, codes] of keys) frozen.set(key, Object.freeze([...codes].sort()))

  return {
    name: (code) => display.get(code) ?? code,
    match: (key) => frozen.get(key),
  }
}

function addTo(map: Map<string, Set<string>>, key: string, code: string): void {
  if (!key) return
  const set = map.get(key)
  if (set) set.add(code)
  else map.set(key, new Set([code]))
}
