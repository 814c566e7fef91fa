import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileLogSearch, LogSearchError } from '../src/logs/log-search.js'
import type { LogEvent } from '../src/logs/log-store.js'

/**
 * The Lucene subset of Auth0's log search ("Log Search Query Syntax":
 * `type:(seccft OR feccft)`, `client_id:"…"`, `date:[… TO …]`), run over
 * events by `compileLogSearch`.
 */

const event = (overrides: Partial<LogEvent>): LogEvent => ({
  log_id: '900200',
  date: '2026-12-03T10:00:00.000Z',
  type: 'seccft',
  description: 'Client Credentials for Access Token',
  client_id: 'gift-deliveries',
  client_name: 'Gift Deliveries',
  ...overrides,
})

const events = [
  event({ log_id: '1', type: 'seccft', client_id: 'a', date: '2026-12-01T00:00:00.000Z' }),
  event({ log_id: '2', type: 'feccft', client_id: 'a', date: '2026-12-02T23:59:59.999Z' }),
  event({ log_id: '3', type: 'seccft', client_id: 'b c', date: '2026-12-03T12:00:00.000Z' }),
  event({ log_id: '4', type: 'feccft', client_id: 'b c', client_name: 'Storefront' }),
]
const ids = (q: string) => events.filter(compileLogSearch(q)).map((e) => e.log_id)

describe('log search (q)', () => {
  it('matches terms, quoted terms, groups and boolean operators', () => {
    expect(ids('type:seccft')).toEqual(['1', '3'])
    expect(ids('type:(seccft OR feccft)')).toEqual(['1', '2', '3', '4'])
    expect(ids('client_id:"b c"')).toEqual(['3', '4'])
    expect(ids('type:feccft AND client_id:a')).toEqual(['2'])
    expect(ids('type:feccft AND NOT client_id:a')).toEqual(['4'])
    expect(ids('NOT type:seccft')).toEqual(['2', '4'])
    expect(ids('(type:seccft AND client_id:a) OR client_name:Storefront')).toEqual(['1', '4'])
    // Juxtaposed terms are ORed, as in Lucene.
    expect(ids('client_id:a client_name:Storefront')).toEqual(['1', '2', '4'])
    expect(ids('client_name:Store*')).toEqual(['4'])
  })

  it('takes date ranges: inclusive, exclusive, open, and a day alone as the whole day', () => {
    expect(ids('date:[2026-12-01 TO 2026-12-02]')).toEqual(['1', '2'])
    expect(ids('date:{2026-12-01T00:00:00.000Z TO *]')).toEqual(['2', '3', '4'])
    expect(ids('date:[* TO 2026-12-01]')).toEqual(['1'])
    expect(ids('type:seccft AND date:[2026-12-02 TO *]')).toEqual(['3'])
  })

  it('refuses what it cannot run, naming it', () => {
    const refused: Array<[string, RegExp]> = [
      ['user_name:x', /unknown field user_name/],
      ['seccft', /needs a field/],
      ['type:sec*cft', /wildcard only at the end/],
      ['client_id:/a.*/', /no regular expression/],
      ['client_id:a~', /no regular expression, fuzzy/],
      ['date:[yesterday TO *]', /not one: yesterday/],
      ['type:(seccft', /not a valid query/],
    ]
    for (const [q, message] of refused) {
      expect(() => compileLogSearch(q), q).toThrow(LogSearchError)
      expect(() => compileLogSearch(q), q).toThrow(message)
    }
  })

  it('agrees with a plain filter on type and client over any events', () => {
    const anEvent = fc.record({
      log_id: fc.stringMatching(/^[0-9]{1,6}$/),
      type: fc.constantFrom('seccft' as const, 'feccft' as const),
      client_id: fc.constantFrom('a', 'b', 'gift-deliveries', 'x y'),
    })
    fc.assert(
      fc.property(
        fc.array(anEvent, { maxLength: 50 }),
        fc.constantFrom('seccft', 'feccft'),
        fc.constantFrom('a', 'b', 'gift-deliveries', 'x y'),
        (list, type, clientId) => {
          const all = list.map((e) => event(e))
          const match = compileLogSearch(`type:${type} AND client_id:"${clientId}"`)
          const expected = all.filter((e) => e.type === type && e.client_id === clientId)
          expect(all.filter(match)).toEqual(expected)
        },
      ),
    )
  })
})
