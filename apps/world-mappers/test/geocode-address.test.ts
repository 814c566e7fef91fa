import { beforeAll, describe, expect, it } from 'vitest'
import { type LoadedGazetteer, loadGazetteer } from '../src/geo/gazetteer.js'

/**
 * Street addresses, structured search and bias (issue 17). GeoNames has no streets: an address
 * is answered with its locality and says so; the region or country when the locality is unknown.
 */

let gazetteer: LoadedGazetteer

beforeAll(async () => {
  gazetteer = await loadGazetteer()
}, 60_000)

const best = (query: string) => gazetteer.geocode(query, 5)[0]

describe('street addresses', () => {
  const localities: Array<[query: string, name: string, countryCode: string, street: string]> = [
    ['132 High St, London, United Kingdom', 'London', 'GB', 'High St'],
    ['10 Downing St, London', 'London', 'GB', 'Downing St'],
    ['221B Baker Street, London', 'London', 'GB', 'Baker Street'],
    ['221B Baker Street London', 'London', 'GB', 'Baker Street'],
    ['Flat 2, 10 Downing Street, London SW1A 2AA', 'London', 'GB', 'Downing Street'],
    ['Unter den Linden 77, 10117 Berlin, Germany', 'Berlin', 'DE', 'Unter den Linden'],
    ['1600 Pennsylvania Ave NW, Washington, DC 20500', 'Washington', 'US', 'Pennsylvania Ave NW'],
    ['99 rue de Rivoli, 75001 Paris, France', 'Paris', 'FR', 'rue de Rivoli'],
    ['Via Roma 10, Torino', 'Turin', 'IT', 'Via Roma'],
    ['350 5th Ave, New York, NY 10118', 'New York City', 'US', '5th Ave'],
    ['24 Sussex Dr, Ottawa, ON K1M 1M4', 'Ottawa', 'CA', 'Sussex Dr'],
    ['10 Main St, Springfield, IL', 'Springfield', 'US', 'Main St'],
    ['Baker Street, London', 'London', 'GB', 'Baker Street'],
    ['5 Main St, Lodnon, UK', 'London', 'GB', 'Main St'],
    [
      'Apt 4B, 350 Fifth Avenue, Manhattan, New York, NY 10118, USA',
      'Manhattan',
      'US',
      'Fifth Avenue',
    ],
    ['#5 Main St, Springfield, IL', 'Springfield', 'US', 'Main St'],
    ['Unit 3 42 Wallaby Way, Sydney', 'Sydney', 'AU', 'Wallaby Way'],
    ['No 12 Jalan Ampang, Kuala Lumpur', 'Kuala Lumpur', 'MY', 'Jalan Ampang'],
    ['No. 10 Downing Street, London', 'London', 'GB', 'Downing Street'],
    // A part that names no place is passed over for the next one.
    ['5 Main St, Soho, London, UK', 'London', 'GB', 'Main St'],
    ['12 Main St, Gotham, Springfield, IL', 'Springfield', 'US', 'Main St'],
    ['5 Main St, 100 Mile House, BC', '100 Mile House', 'CA', 'Main St'],
  ]
  for (const [query, name, countryCode, street] of localities) {
    it(`answers "${query}" with its locality, ${name}`, () => {
      const match = best(query)
      expect(match).toMatchObject({ place: { name, countryCode }, precision: 'locality' })
      expect(match?.address?.street).toBe(street)
      expect(match?.confidence).toBeGreaterThanOrEqual(0.5)
    })
  }

  it('keeps the qualifiers: "10 Main St, Springfield, IL" is in Illinois', () => {
    expect(best('10 Main St, Springfield, IL')?.place.regionCode).toBe('IL')
  })

  it('answers with the region seat when the locality is unknown or elsewhere', () => {
    expect(best('10 Main St, Qxyzzyville, NY')).toMatchObject({
      place: { name: 'Albany', regionCode: 'NY' },
      precision: 'region',
      matchedName: 'NY',
    })
    expect(best('10 Main St, Texas')).toMatchObject({
      place: { name: 'Austin', regionCode: 'TX' },
      precision: 'region',
    })
    expect(best('10 Main St, Texas')?.confidence).toBeLessThan(0.5)
  })

  it('answers with the capital when only the country is known', () => {
    expect(best('5 Hauptstraße, Nirgendwoxyz, Germany')).toMatchObject({
      place: { name: 'Berlin', countryCode: 'DE' },
      precision: 'country',
    })
  })

  it('reads "postcode locality" and "locality postcode" as the locality', () => {
    for (const [query, name, countryCode] of [
      ['75001 Paris, France', 'Paris', 'FR'],
      ['New York 10001', 'New York City', 'US'],
      ['10117 Berlin', 'Berlin', 'DE'],
      ['Paris, TX 75460', 'Paris', 'US'],
    ] as const) {
      const match = best(query)
      expect(match, query).toMatchObject({ place: { name, countryCode }, precision: 'locality' })
      expect(match?.address?.postcode, query).toMatch(/^\d+$/)
      expect(match?.confidence, query).toBeGreaterThanOrEqual(0.5)
    }
  })

  it('answers nothing for a street alone', () => {
    expect(gazetteer.geocode('10 Downing Street', 5)).toEqual([])
  })

  it('still reads place names with numbers and street words as places', () => {
    expect(best('100 Mile House')).toMatchObject({ place: { name: '100 Mile House' } })
    expect(best('100 Mile House')?.precision).toBeUndefined()
    expect(best('Palm Beach Gardens, FL')?.place.regionCode).toBe('FL')
  })
})

describe('ranking own names and alternate names together', () => {
  it('an own name wins over an alternate name of a place less than 100 times as populous', () => {
    expect(best('New Delhi')?.place.name).toBe('New Delhi')
  })
  it('an alternate name of a place over 100 times as populous still wins', () => {
    expect(best('München')?.place).toMatchObject({ name: 'Munich', countryCode: 'DE' })
    expect(best('Bombay')?.place.name).toBe('Mumbai')
  })
})

describe('structured search', () => {
  const structured = (fields: Record<string, string>) => gazetteer.geocodeStructured(fields, 5)[0]

  it('finds a city in a region and country', () => {
    expect(structured({ city: 'Springfield', region: 'IL' })?.place).toMatchObject({
      name: 'Springfield',
      regionCode: 'IL',
    })
    expect(structured({ city: 'Paris', country: 'United States' })?.place.countryCode).toBe('US')
    expect(structured({ city: 'London', region: 'Ontario', country: 'CA' })?.place).toMatchObject({
      name: 'London',
      regionCode: 'ON',
    })
  })

  it('answers nothing for a city outside any region or country given', () => {
    expect(gazetteer.geocodeStructured({ city: 'Munich', country: 'France' }, 5)).toEqual([])
    const both = { city: 'Munich', region: 'Bavaria', country: 'France' }
    expect(gazetteer.geocodeStructured(both, 5)).toEqual([])
    const wrongCountry = { city: 'Springfield', region: 'Ontario', country: 'US' }
    expect(gazetteer.geocodeStructured(wrongCountry, 5)).toEqual([])
  })

  it('knows which texts name a region or country', () => {
    expect(gazetteer.namesArea('Bavaria')).toBe(true)
    expect(gazetteer.namesArea('IL')).toBe(true)
    expect(gazetteer.namesArea('United States')).toBe(true)
    expect(gazetteer.namesArea('Narnia')).toBe(false)
  })

  it('finds misspelled cities too', () => {
    expect(structured({ city: 'Chciago', region: 'IL' })).toMatchObject({
      place: { name: 'Chicago' },
      match: 'fuzzy',
    })
  })

  it('answers a region or country alone with its seat or capital', () => {
    expect(structured({ region: 'Bavaria' })).toMatchObject({
      place: { name: 'Munich' },
      precision: 'region',
    })
    expect(structured({ country: 'Japan' })).toMatchObject({
      place: { name: 'Tokyo' },
      precision: 'country',
    })
  })
})

describe('bias', () => {
  it('countryCodes keeps only places in those countries', () => {
    const found = gazetteer.geocode('Springfield', 20, { countryCodes: new Set(['AU', 'NZ']) })
    expect(found.length).toBeGreaterThan(0)
    for (const m of found) expect(['AU', 'NZ']).toContain(m.place.countryCode)
    expect(gazetteer.geocode('Paris', 5, { countryCodes: new Set(['JP']) })).toEqual([])
  })

  it('near ranks nearer places higher', () => {
    const texas = { lat: 33.66, lng: -95.55 }
    expect(gazetteer.geocode('Paris', 1, { near: texas })[0]?.place.regionCode).toBe('TX')
    const boston = { lat: 42.36, lng: -71.06 }
    expect(gazetteer.geocode('Springfield', 1, { near: boston })[0]?.place.regionCode).toBe('MA')
    expect(gazetteer.geocode('Paris', 1)[0]?.place.countryCode).toBe('FR')
  })
})

describe('abbreviations in several languages, with qualifiers constraining them', () => {
  const cases: Array<[query: string, name: string, countryCode: string]> = [
    ['St. Pölten, Austria', 'Sankt Pölten', 'AT'],
    ['St Gallen', 'Sankt Gallen', 'CH'],
    ['Sto Domingo', 'Santo Domingo', 'DO'],
    ['Mt Tremblant, Quebec', 'Mont-Tremblant', 'CA'],
    ['Pto Montt, Chile', 'Puerto Montt', 'CL'],
    ['Cd Juarez, Mexico', 'Ciudad Juárez', 'MX'],
    ['Gral Roca, Argentina', 'General Roca', 'AR'],
    ['St Petersburg', 'Saint Petersburg', 'RU'],
    ['St Petersburg, FL', 'St. Petersburg', 'US'],
    ['Mt. Vernon, OH', 'Mount Vernon', 'US'],
    ['St Andrews, SC', 'Saint Andrews', 'US'],
  ]
  for (const [query, name, countryCode] of cases) {
    it(`"${query}" is ${name}, ${countryCode}`, () => {
      expect(best(query)?.place).toMatchObject({ name, countryCode })
    })
  }
})
