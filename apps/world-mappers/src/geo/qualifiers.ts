import type { CountryTable } from './countries.js'
import type { RegionTable } from './regions.js'

/** What one qualifier ("TX", "France") names: countries (codes) and/or regions (area ids). */
export interface QualifierCheck {
  countries: readonly string[] | undefined
  areas: readonly number[] | undefined
}

/** Reads the qualifiers of a query ("Paris, TX", "Bellevue WA US") against the region and country tables. */
export interface Qualifiers {
  check(qualifier: string): QualifierCheck
  /** Splits trailing words into known qualifiers ("wa us" → ["wa", "us"]), longest first; undefined if a word names nothing known. */
  split(words: readonly string[]): string[] | undefined
}

export function createQualifiers(countries: CountryTable, regions: RegionTable): Qualifiers {
  const isKnown = (key: string) =>
    countries.match(key) !== undefined || regions.match(key) !== undefined
  return {
    check: (qualifier) => ({
      countries: countries.match(qualifier),
      areas: regions.match(qualifier),
    }),
    split(words) {
      const out: string[] = []
      let start = 0
      while (start < words.length) {
        let end = words.length
        while (end > start && !isKnown(words.slice(start, end).join(' '))) end--
        if (end === start) return undefined
        out.push(words.slice(start, end).join(' '))
        start = end
      }
      return out
    },
  }
}
