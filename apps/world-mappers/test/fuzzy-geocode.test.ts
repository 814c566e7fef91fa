import { beforeAll, describe, expect, it } from 'vitest'
import { type LoadedGazetteer, loadGazetteer } from '../src/geo/gazetteer.js'

/**
 * What people type, misspelled (issue 17): a query that names no place as
 * written finds the names nearest to it, ranked by distance, then qualifier
 * fit, then population, and says `match: 'fuzzy'` with the name it matched.
 * Exact matches always win.
 */

let gazetteer: LoadedGazetteer

beforeAll(async () => {
  gazetteer = await loadGazetteer()
}, 60_000)

const best = (query: string) => gazetteer.geocode(query, 5)[0]

describe('fuzzy geocoding', () => {
  // The typos the issue reports as 404s, and more of the same kinds.
  const typos: Array<[query: string, name: string, countryCode: string]> = [
    ['Jakatra', 'Jakarta', 'ID'],
    ['Dbulin', 'Dublin', 'IE'],
    ['Okalhoma City', 'Oklahoma City', 'US'],
    ['Valdivostok', 'Vladivostok', 'RU'],
    ['Lodnon', 'London', 'GB'],
    ['Chciago', 'Chicago', 'US'],
    ['Sna Francisco', 'San Francisco', 'US'],
    ['Barcelnoa', 'Barcelona', 'ES'],
    ['Amsterdm', 'Amsterdam', 'NL'],
    ['Johannesbrug', 'Johannesburg', 'ZA'],
  ]
  for (const [query, name, countryCode] of typos) {
    it(`finds ${name} from "${query}"`, () => {
      expect(best(query)).toMatchObject({
        place: { name, countryCode },
        match: 'fuzzy',
        matchedName: name,
      })
    })
  }

  it('finds long names two edits away (a swap and a wrong letter)', () => {
    expect(best('Valdivostak')?.place.name).toBe('Vladivostok')
  })

  it('keeps qualifiers: "Okalhoma City, OK" and "Jakatra Indonesia"', () => {
    expect(best('Okalhoma City, OK')).toMatchObject({
      place: { name: 'Oklahoma City', region: 'Oklahoma' },
      match: 'fuzzy',
    })
    expect(best('Jakatra Indonesia')).toMatchObject({ place: { name: 'Jakarta' }, match: 'fuzzy' })
    // A qualifier decides between places one edit away: Paris, Texas for "Pariss, TX".
    expect(best('Pariss, TX')).toMatchObject({ place: { name: 'Paris', region: 'Texas' } })
  })

  it('lets exact matches win, and scores fuzzy ones lower', () => {
    const exact = best('Paris')
    expect(exact).toMatchObject({ place: { name: 'Paris', countryCode: 'FR' }, confidence: 1 })
    expect(exact?.match).toBeUndefined()
    const fuzzy = best('Pairs')
    expect(fuzzy?.place.name).toBe('Paris')
    expect(fuzzy?.confidence).toBeLessThan(1)
  })

  it('finds nothing for junk or short queries', () => {
    for (const query of ['Xqzzyvlle Qrrth', 'zzzz qqqq', 'Prs', 'a'.repeat(200)]) {
      expect(gazetteer.geocode(query, 5), query).toEqual([])
    }
  })
})
