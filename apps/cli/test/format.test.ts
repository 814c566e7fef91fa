import { describe, expect, it } from 'vitest'
import {
  type DeliveryLike,
  formatCreated,
  formatDeliveryBlock,
  formatDeliveryTable,
} from '../src/deliveries/delivery-text.js'
import { colorsEnabled, createPalette, stripColors } from '../src/format/colors.js'
import { formatJson } from '../src/format/json.js'
import { outputStyle } from '../src/format/output-style.js'
import { escapeC1, printable, printableStrings } from '../src/format/printable.js'
import { relativeTime } from '../src/format/relative-time.js'
import { formatTable } from '../src/format/table.js'
import type { CliIo } from '../src/io.js'
import { createLogTable } from '../src/logs/log-table.js'
import { formatQuotaTable } from '../src/quota/quota-table.js'

const RED = '\u001b[31m'
const GREEN = '\u001b[32m'
const YELLOW = '\u001b[33m'
const colors = createPalette(true)
const plain = createPalette(false)

describe('colour: on a terminal unless the environment says no', () => {
  const cases: Array<[string, Record<string, string>, boolean, boolean]> = [
    ['a terminal', {}, true, true],
    ['a pipe', {}, false, false],
    ['NO_COLOR on a terminal', { NO_COLOR: '1' }, true, false],
    ['an empty NO_COLOR is unset', { NO_COLOR: '' }, true, true],
    ['TERM=dumb', { TERM: 'dumb' }, true, false],
    ['FORCE_COLOR through a pipe', { FORCE_COLOR: '1' }, false, true],
    ['FORCE_COLOR=true with TERM=dumb', { FORCE_COLOR: 'true', TERM: 'dumb' }, true, true],
    ['FORCE_COLOR=0 on a terminal', { FORCE_COLOR: '0' }, true, false],
    ['FORCE_COLOR=false on a terminal', { FORCE_COLOR: 'false' }, true, false],
    ['NO_COLOR beats FORCE_COLOR', { NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
  ]
  for (const [name, env, isTTY, expected] of cases) {
    it(`${name}: ${expected ? 'colours' : 'no colours'}`, () => {
      expect(colorsEnabled(env, isTTY)).toBe(expected)
    })
  }

  it('a palette without colours returns the text as it is', () => {
    expect(plain.red('failed')).toBe('failed')
    expect(colors.red('failed')).toBe(`${RED}failed\u001b[39m`)
    expect(stripColors(colors.bold(colors.green('ok')))).toBe('ok')
  })
})

describe('output style: people on a terminal, programs elsewhere', () => {
  const io = (isTTY: boolean, env: Record<string, string> = {}): CliIo => ({
    stdout: { write: () => true, isTTY },
    stderr: { write: () => true },
    readStdin: async () => '',
    env,
    cwd: '/',
  })
  const cases: Array<[string, CliIo, boolean | undefined, { human: boolean; colors: boolean }]> = [
    ['a terminal', io(true), undefined, { human: true, colors: true }],
    ['a terminal with --json', io(true), true, { human: false, colors: true }],
    ['a pipe', io(false), undefined, { human: false, colors: false }],
    [
      'a pipe with FORCE_COLOR',
      io(false, { FORCE_COLOR: '1' }),
      undefined,
      { human: false, colors: true },
    ],
    [
      'a terminal with NO_COLOR',
      io(true, { NO_COLOR: '1' }),
      undefined,
      { human: true, colors: false },
    ],
  ]
  for (const [name, cliIo, json, expected] of cases) {
    it(name, () => {
      expect(outputStyle(cliIo, { json })).toMatchObject(expected)
    })
  }
})

describe('text from an API never drives the terminal', () => {
  const hostile = 'Ada\u001b]0;pwned\u0007\u001b[2J\u009b31m\r\nLovelace\u007f'

  it('control characters (ESC, CSI, BEL, CR, LF, DEL) become spaces', () => {
    expect(printable(hostile)).toBe('Ada ]0;pwned  [2J 31m  Lovelace ')
    expect(printableStrings({ a: [hostile, 1, null], b: { c: '\u001b' } })).toEqual({
      a: [printable(hostile), 1, null],
      b: { c: ' ' },
    })
  })

  it('JSON for a terminal escapes DEL and C1 (JSON.stringify escapes C0 only): the same value', () => {
    const value = { name: hostile }
    const json = escapeC1(formatJson(value, colors))
    expect(json).toContain('\\u009b31m')
    expect(json).toContain('\\u001b[2J')
    expect(JSON.parse(stripColors(json))).toEqual(value)
    expect(printable(stripColors(json).replace(/\n/g, ''))).toBe(
      stripColors(json).replace(/\n/g, ''),
    )
  })

  it('in a table, a delivery block, a created line and a log table', () => {
    const delivery: DeliveryLike = {
      id: 'c187e58b-3947-4fb2-8f1d-0a7615060514',
      status: 'failed',
      request: {
        recipient: { name: hostile },
        gift: { description: hostile },
        destination: hostile,
      },
      lastError: hostile,
    }
    const texts = [
      formatTable(['A'], [[hostile]]),
      formatDeliveryTable({ items: [delivery] }, { now: 0, paint: plain }),
      formatDeliveryBlock(delivery, { now: 0, paint: plain }),
      formatCreated(delivery, { replayed: false, paint: plain }),
      createLogTable({ now: () => 0, paint: plain })([
        { log_id: '1', date: hostile, type: hostile, client_name: hostile, description: hostile },
      ]),
    ]
    for (const text of texts) {
      expect(text).toContain('Ada ]0;pwned')
      // Nothing left but the newlines between lines.
      expect(printable(text.replace(/\n/g, ''))).toBe(text.replace(/\n/g, ''))
    }
  })
})

describe('relative times', () => {
  const cases: Array<[number, string]> = [
    [0, 'in 0 s'],
    [-2_000, 'just now'],
    [-12_000, '12 s ago'],
    [-3 * 60_000, '3 min ago'],
    [41 * 60_000, 'in 41 min'],
    [-119 * 60_000, '119 min ago'],
    [-5 * 3_600_000, '5 h ago'],
    [17 * 3_600_000, 'in 17 h'],
    [-3 * 86_400_000, '3 days ago'],
  ]
  for (const [ms, text] of cases) {
    it(`${ms} ms is "${text}"`, () => {
      expect(relativeTime(ms)).toBe(text)
    })
  }
})

describe('tables', () => {
  it('align columns two spaces apart, numbers right, with no trailing spaces', () => {
    const text = formatTable(
      ['NAME', 'KM', 'NOTE'],
      [
        ['Paris', '878', 'x'],
        ['Bellevue', '7,034', ''],
      ],
      { alignRight: ['KM'] },
    )
    expect(text.split('\n')).toEqual([
      'NAME         KM  NOTE',
      'Paris       878  x',
      'Bellevue  7,034',
    ])
  })

  it('measure a cell without its colour, and count an accented letter once', () => {
    const text = formatTable(
      ['STATUS', 'PLACE', 'END'],
      [
        [{ text: 'failed', paint: colors.red }, 'Ume\u0061\u030a', '|'],
        ['planned', 'Göteborg', '|'],
      ],
    )
    // "Umeå" with a combining ring is 4 letters wide, like the NFC "Göteborg" is 8.
    const lines = stripColors(text).normalize('NFC').split('\n')
    expect(
      lines.map((line) => (line.indexOf('|') === -1 ? line.indexOf('END') : line.indexOf('|'))),
    ).toEqual([19, 19, 19])
    expect(text).toContain(`${RED}failed\u001b[39m `)
  })
})

describe('JSON on a colour terminal', () => {
  const value = {
    header: { alg: 'RS256' },
    payload: { scope: 'read:deliveries "quoted": 12', exp: 1_767_000_000, n: -1.5e3 },
    verified: false,
    expiry: { expiresAt: null, expired: true },
  }

  it('is the same text once the colours are removed, so it can be copied as JSON', () => {
    const coloured = formatJson(value, colors)
    expect(coloured).not.toBe(JSON.stringify(value, null, 2))
    expect(stripColors(coloured)).toBe(JSON.stringify(value, null, 2))
    expect(JSON.parse(stripColors(coloured))).toEqual(value)
  })

  it('colours keys, strings, numbers and literals, nothing inside a string', () => {
    const coloured = formatJson(value, colors)
    expect(coloured).toContain('\u001b[36m"alg"\u001b[39m:')
    expect(coloured).toContain(`${GREEN}"read:deliveries \\"quoted\\": 12"\u001b[39m`)
    expect(coloured).toContain(`${YELLOW}1767000000\u001b[39m`)
    expect(coloured).toContain('\u001b[35mfalse\u001b[39m')
  })

  it('is plain JSON without a palette', () => {
    expect(formatJson(value)).toBe(JSON.stringify(value, null, 2))
  })
})

describe('quota table', () => {
  const now = Date.parse('2026-12-05T07:19:00.000Z')
  const views = [
    {
      quota: 'client' as const,
      bucket: 'per_hour',
      remaining: 1,
      limit: 10,
      resetAt: '2026-12-05T08:00:00.000Z',
    },
    {
      quota: 'client' as const,
      bucket: 'per_day',
      remaining: 49,
      limit: 50,
      resetAt: '2026-12-06T00:00:00.000Z',
    },
  ]

  it('is red where a bucket is under 20 %, and the same text without colours', () => {
    const coloured = formatQuotaTable(views, now, colors)
    expect(coloured).toContain(`${RED}1 of 10 (10 %)\u001b[39m`)
    expect(coloured).not.toContain(`${RED}49`)
    expect(stripColors(coloured)).toBe(formatQuotaTable(views, now))
    expect(formatQuotaTable(views, now).split('\n')).toEqual([
      'QUOTA   BUCKET    REMAINING        RESETS',
      'client  per_hour  1 of 10 (10 %)   in 41 min (2026-12-05T08:00:00.000Z)',
      'client  per_day   49 of 50 (98 %)  in 17 h (2026-12-06T00:00:00.000Z)',
    ])
  })
})

describe('log table (m2m logs on a terminal)', () => {
  const now = Date.parse('2026-11-23T12:20:00.000Z')
  const event = (type: string, client: string, date: string, description = 'Unauthorized') => ({
    log_id: `${date}-${type}`,
    date,
    type,
    client_id: client,
    client_name: client === 'storefront-dev' ? 'Storefront' : undefined,
    description,
  })

  it('prints a header once, relative times, types by name, and columns that only widen', () => {
    const table = createLogTable({ now: () => now, paint: plain })
    const first = table([
      event(
        'seccft',
        'storefront-dev',
        '2026-11-23T12:17:00.000Z',
        'Client Credentials for Access Token',
      ),
      event('feccft', 'storefront-dev', '2026-11-23T12:19:58.000Z'),
    ])
    expect(first.split('\n')).toEqual([
      'WHEN       TYPE              CLIENT                       DESCRIPTION',
      '3 min ago  success exchange  Storefront (storefront-dev)  Client Credentials for Access Token',
      'just now   failed exchange   Storefront (storefront-dev)  Unauthorized',
      '',
    ])
    expect(table([])).toBe('')
    // A longer client later: its row is wider, the earlier columns keep their place.
    const later = table([
      event(
        'token_quota_consumption_warning',
        'a-much-longer-client-id-dev',
        '2026-11-23T12:20:00.000Z',
        '60% of client per_hour quota consumed',
      ),
    ])
    expect(later).toBe(
      'in 0 s     quota warning     a-much-longer-client-id-dev  60% of client per_hour quota consumed\n',
    )
  })

  it('colours the type: success green, failure red, quota warning yellow', () => {
    const table = createLogTable({ now: () => now, paint: colors })
    const text = table([
      event('seccft', 'x', '2026-11-23T12:17:00.000Z'),
      event('feccft', 'x', '2026-11-23T12:17:00.000Z'),
      event('token_quota_consumption_warning', 'x', '2026-11-23T12:17:00.000Z'),
    ])
    expect(text).toContain(`${GREEN}success exchange`)
    expect(text).toContain(`${RED}failed exchange`)
    expect(text).toContain(`${YELLOW}quota warning`)
  })
})

describe('deliveries for people', () => {
  const now = Date.parse('2026-12-05T08:20:00.000Z')
  const planned: DeliveryLike = {
    id: 'c187e58b-3947-4fb2-8f1d-0a7615060514',
    status: 'planned',
    request: {
      recipient: { name: 'Ada Lovelace' },
      gift: { description: 'A calculator' },
      destination: 'Paris',
    },
    destination: { name: 'Paris', countryCode: 'FR' },
    distanceKm: 2381.2,
    estimatedDuration: { seconds: 14340, text: '3 h 59 min', method: 'Flight estimate: …' },
    attempts: 1,
    createdAt: '2026-12-05T08:17:00.000Z',
    plannedAt: '2026-12-05T08:17:01.000Z',
  }
  const pending: DeliveryLike = {
    id: '5d0b2a41-0000-4000-8000-000000000000',
    status: 'pending',
    request: {
      recipient: { name: 'Grace Hopper' },
      gift: { description: 'A compiler' },
      destination: { lat: 47.6, lng: -122.2 },
    },
    destination: null,
    distanceKm: null,
    estimatedDuration: null,
    attempts: 2,
    lastError: 'world-mappers: ECONNREFUSED',
    nextAttemptAt: '2026-12-05T08:21:00.000Z',
    createdAt: '2026-12-04T08:20:00.000Z',
  }

  it('list: a row each, ids short, "-" for what is not planned yet, then the next page', () => {
    const text = formatDeliveryTable(
      { items: [planned, pending], nextCursor: 'ZDI6Mzo0' },
      { now, paint: plain, nextPage: (cursor) => `m2m deliveries list --cursor ${cursor}` },
    )
    expect(text.split('\n')).toEqual([
      'ID        STATUS   RECIPIENT     DESTINATION  DISTANCE  DURATION    CREATED',
      'c187e58b  planned  Ada Lovelace  Paris (FR)   2,381 km  3 h 59 min  3 min ago',
      '5d0b2a41  pending  Grace Hopper  47.6,-122.2         -  -           24 h ago',
      'more: m2m deliveries list --cursor ZDI6Mzo0',
    ])
  })

  it('list: an empty page says so', () => {
    expect(
      formatDeliveryTable({ items: [], nextCursor: null }, { now, paint: plain, status: 'failed' }),
    ).toBe('no failed deliveries')
  })

  it('list: whole deliveries (--include-route) show their route', () => {
    const whole: DeliveryLike = {
      ...planned,
      destination: undefined,
      distanceKm: undefined,
      estimatedDuration: undefined,
      route: {
        destination: { name: 'Paris', countryCode: 'FR' },
        distanceKm: 8.04,
        estimatedDuration: { text: '8 min' },
      },
    }
    expect(formatDeliveryTable({ items: [whole] }, { now, paint: plain }).split('\n')[1]).toBe(
      'c187e58b  planned  Ada Lovelace  Paris (FR)     8.0 km  8 min     3 min ago',
    )
  })

  it('create: one line with the whole id; a replay and a pending delivery say so', () => {
    expect(formatCreated(planned, { replayed: false, paint: plain })).toBe(
      'Created delivery c187e58b-3947-4fb2-8f1d-0a7615060514: planned, to Paris (FR), 2,381 km, 3 h 59 min',
    )
    expect(formatCreated(planned, { replayed: true, paint: plain })).toMatch(
      /^Delivery c187e58b-\S+ already existed \(same --idempotency-key\): planned, /,
    )
    expect(formatCreated(pending, { replayed: false, paint: plain })).toBe(
      'Created delivery 5d0b2a41-0000-4000-8000-000000000000: pending, to 47.6,-122.2, planned later (m2m deliveries get shows when)',
    )
    expect(formatCreated(pending, { replayed: false, paint: colors })).toContain(
      `${YELLOW}pending\u001b[39m`,
    )
  })

  it('get: labelled lines; a pending delivery shows its next try and last error', () => {
    const text = formatDeliveryBlock(pending, { now, paint: plain })
    expect(text.split('\n')).toEqual([
      'delivery 5d0b2a41-0000-4000-8000-000000000000',
      '  status      pending (2 planning attempts)',
      '  recipient   Grace Hopper',
      '  gift        A compiler',
      '  to          47.6,-122.2',
      '  created     24 h ago (2026-12-04T08:20:00.000Z)',
      '  next try    in 1 min (2026-12-05T08:21:00.000Z)',
      '  last error  world-mappers: ECONNREFUSED',
    ])
  })
})
