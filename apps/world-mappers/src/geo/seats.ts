import { type GeoNamesTable, SEAT_ADMIN1, SEAT_CAPITAL } from './geonames-file.js'
import type { QualifierCheck } from './qualifiers.js'

/** The place that stands for a region or a country named without a locality. */
export interface SeatAnswer {
  /** Index of the GeoNames place. */
  place: number
  precision: 'region' | 'country'
  /** Which of the checked parts named it. */
  named: number
}

export interface Seats {
  /**
   * The seat of the first region the parts name (in a country another part names, when one
   * does), else the capital of the first country they name; undefined when they name neither.
   */
  regionNamed(checks: readonly QualifierCheck[]): SeatAnswer | undefined
}

/**
 * Seats of regions (their PPLA, else their most populous place) and capitals of countries (their
 * PPLC, else their most populous place), found once at load.
 */
export function createSeats(table: GeoNamesTable): Seats {
  const areaSeat = new Int32Array(table.areas.length).fill(-1)
  const capital = new Map<string, number>()
  const outranks = (i: number, current: number, level: number) => {
    if (current === -1) return true
    const mine = (table.seat[i] as number) >= level
    const theirs = (table.seat[current] as number) >= level
    if (mine !== theirs) return mine
    return (table.population[i] as number) > (table.population[current] as number)
  }
  for (let i = 0; i < table.count; i++) {
    const area = table.area[i] as number
    if (outranks(i, areaSeat[area] as number, SEAT_ADMIN1)) areaSeat[area] = i
    const code = table.areas[area]?.countryCode
    if (code && outranks(i, capital.get(code) ?? -1, SEAT_CAPITAL)) capital.set(code, i)
  }

  return {
    regionNamed(checks) {
      for (let k = 0; k < checks.length; k++) {
        const countries = new Set(
          checks.flatMap((check, j) => (j === k ? [] : (check.countries ?? []))),
        )
        const seats = (checks[k]?.areas ?? [])
          .filter((a) => countries.size === 0 || countries.has(table.areas[a]?.countryCode ?? ''))
          .map((a) => areaSeat[a] as number)
          .filter((seat) => seat !== -1)
        if (seats.length === 0) continue
        const place = seats.reduce((best, seat) =>
          (table.population[seat] as number) > (table.population[best] as number) ? seat : best,
        )
        return { place, precision: 'region', named: k }
      }
      for (let k = 0; k < checks.length; k++) {
        const place = capital.get(checks[k]?.countries?.[0] ?? '')
        if (place !== undefined) return { place, precision: 'country', named: k }
      }
      return undefined
    },
  }
}
