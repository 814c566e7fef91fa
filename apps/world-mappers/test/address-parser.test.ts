import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseAddress, withoutPostcodes } from '../src/geo/address-parser.js'

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
    // A unit or number opening the street's part.
    [
      '#5 Main St, Springfield, IL',
      { houseNumber: '5', street: 'Main St', places: ['Springfield', 'IL'] },
    ],
    [
      'No 12 Jalan Ampang, Kuala Lumpur',
      { houseNumber: '12', street: 'Jalan Ampang', places: ['Kuala Lumpur'] },
    ],
    [
      'Unit 3 42 Wallaby Way, Sydney',
      { unit: 'Unit 3', houseNumber: '42', street: 'Wallaby Way', places: ['Sydney'] },
    ],
    [
      'No. 10 Downing Street, London',
      { houseNumber: '10', street: 'Downing Street', places: ['London'] },
    ],
    // Six parts, and a 3-digit number that is part of a place's name, not a postcode.
    [
      'Apt 4B, 350 Fifth Avenue, Manhattan, New York, NY 10118, USA',
      { unit: 'Apt 4B', houseNumber: '350', places: ['Manhattan', 'New York', 'NY', 'USA'] },
    ],
    ['5 Main St, 100 Mile House, BC', { places: ['100 Mile House', 'BC'] }],
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

  it('takes postcodes out of a query that has them', () => {
    expect(withoutPostcodes('75001 Paris, France')).toEqual({
      text: 'Paris, France',
      postcode: '75001',
    })
    expect(withoutPostcodes('New York 10001')).toEqual({ text: 'New York', postcode: '10001' })
    expect(withoutPostcodes('Paris, TX 75460')).toEqual({ text: 'Paris, TX', postcode: '75460' })
    expect(withoutPostcodes('London SW1A 2AA')).toEqual({ text: 'London', postcode: 'SW1A 2AA' })
    expect(withoutPostcodes('100 Mile House')).toBeUndefined()
    expect(withoutPostcodes('Paris')).toBeUndefined()
    expect(withoutPostcodes('10117')).toBeUndefined()
  })

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
