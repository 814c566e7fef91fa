import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseAddress } from '../src/geo/address-parser.js'

/** Street addresses as people write them in several countries, and place names that are none. */
describe('parseAddress', () => {
  const addresses: Array<[query: string, parts: Record<string, unknown>]> = [
    [
      '132 High St, London, United Kingdom',
      { houseNumber: '132', street: 'High St', places: ['London', 'United Kingdom'] },
    ],
    ['10 Downing St, London', { houseNumber: '10', street: 'Downing St', places: ['London'] }],
    [
      '221B Baker Street, London',
      { houseNumber: '221b', street: 'Baker Street', places: ['London'] },
    ],
    [
      '221B Baker Street London',
      { houseNumber: '221b', street: 'Baker Street', places: ['London'] },
    ],
    [
      'Flat 2, 10 Downing Street, London SW1A 2AA',
      { unit: 'Flat 2', houseNumber: '10', postcode: 'SW1A 2AA', places: ['London'] },
    ],
    [
      'Unter den Linden 77, 10117 Berlin, Germany',
      {
        houseNumber: '77',
        street: 'Unter den Linden',
        postcode: '10117',
        places: ['Berlin', 'Germany'],
      },
    ],
    [
      '1600 Pennsylvania Ave NW, Washington, DC 20500',
      {
        houseNumber: '1600',
        street: 'Pennsylvania Ave NW',
        postcode: '20500',
        places: ['Washington', 'DC'],
      },
    ],
    [
      '99 rue de Rivoli, 75001 Paris, France',
      {
        houseNumber: '99',
        street: 'rue de Rivoli',
        postcode: '75001',
        places: ['Paris', 'France'],
      },
    ],
    ['Via Roma 10, Torino', { houseNumber: '10', street: 'Via Roma', places: ['Torino'] }],
    [
      'Friedrichstraße, Berlin',
      { houseNumber: undefined, street: 'Friedrichstraße', places: ['Berlin'] },
    ],
    [
      'Kalverstraat 92, 1012 PH Amsterdam',
      { street: 'Kalverstraat', postcode: '1012 PH', places: ['Amsterdam'] },
    ],
    [
      '24 Sussex Dr, Ottawa, ON K1M 1M4',
      { street: 'Sussex Dr', postcode: 'K1M 1M4', places: ['Ottawa', 'ON'] },
    ],
    [
      'Baker Street, London',
      { houseNumber: undefined, street: 'Baker Street', places: ['London'] },
    ],
    ['10 Downing Street', { houseNumber: '10', street: 'Downing Street', places: [] }],
  ]
  for (const [query, parts] of addresses) {
    it(`reads "${query}"`, () => {
      expect(parseAddress(query)).toMatchObject(parts)
    })
  }

  const names = [
    'Paris',
    'Paris, TX',
    'St Louis, MO',
    'Deer Valley',
    'Deer Alley',
    'Al Mubarraz',
    'Largo, FL',
    'New York',
    'Salt Lake City, UT',
    '47.6,-122.2',
    'Москва',
  ]
  for (const name of names) {
    it(`reads "${name}" as no address`, () => {
      expect(parseAddress(name)).toBeUndefined()
    })
  }

  it('never throws, and keeps every part it returns within the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (input) => {
        const parsed = parseAddress(input)
        if (!parsed) return
        for (const part of [parsed.street, parsed.unit, parsed.postcode, ...parsed.places]) {
          if (part !== undefined) expect(input.replace(/\s+/g, ' ')).toContain(part.trim())
        }
      }),
      { numRuns: 2000 },
    )
  })
})
