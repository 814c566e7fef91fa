import { PGlite } from '@electric-sql/pglite'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPgliteSqlClient } from '../src/store/pglite-sql-client.js'
import type { SqlClient } from '../src/store/sql-client.js'

/**
 * The store's wire-protocol client for PGlite: values, errors (and the
 * statements after them), transactions, large replies, closing.
 */
describe('PGlite wire-protocol client', () => {
  let db: PGlite
  let client: SqlClient
  const writes: number[] = []

  beforeAll(async () => {
    db = await PGlite.create()
    client = createPgliteSqlClient(db, {
      onWrite: (rows) => writes.push(rows),
      onClose: () => db.close(),
    })
    await client.exec('CREATE TABLE items (n integer PRIMARY KEY, body text NOT NULL)')
  }, 60_000)
  afterAll(async () => {
    await client?.close()
  })

  it('returns numbers and booleans as pg does, and everything else as text', async () => {
    const { rows, rowCount } = await client.query(
      `SELECT 1::int2 AS small, 2::int4 AS int, 3::int8 AS big, 1.5::float8 AS float,
         2.5::numeric AS exact, true AS yes, false AS no, NULL::int AS nothing,
         '2026-12-04T10:00:00Z'::timestamptz AS at, '{"a":1}'::jsonb AS doc, $1::text AS echo`,
      ['é ✓'],
    )
    expect(rowCount).toBe(1)
    expect(rows).toEqual([
      {
        small: 1,
        int: 2,
        big: '3',
        float: 1.5,
        exact: '2.5',
        yes: true,
        no: false,
        nothing: null,
        at: '2026-12-04 10:00:00+00',
        doc: '{"a": 1}',
        echo: 'é ✓',
      },
    ])
  })

  it('takes text, numbers, booleans, dates and null as parameters, and refuses objects', async () => {
    const at = new Date('2026-12-04T10:00:00.123Z')
    const { rows } = await client.query(
      'SELECT $1::int + 1 AS n, $2::bool AS b, $3::timestamptz = $4::timestamptz AS same, $5::text IS NULL AS missing',
      [41, true, at, at.toISOString(), null],
    )
    expect(rows).toEqual([{ n: 42, b: true, same: true, missing: true }])
    await expect(client.query('SELECT $1::text', [{ a: 1 }])).rejects.toThrow(TypeError)
  })

  it('counts rows written and reports them', async () => {
    writes.length = 0
    const inserted = await client.query(
      'INSERT INTO items (n, body) SELECT i, $1 FROM generate_series(1, 3) i',
      ['x'],
    )
    const updated = await client.query('UPDATE items SET body = $1 WHERE n > 1', ['y'])
    const none = await client.query('UPDATE items SET body = $1 WHERE n > 100', ['z'])
    const selected = await client.query('SELECT n FROM items ORDER BY n')
    expect([inserted.rowCount, updated.rowCount, none.rowCount, selected.rowCount]).toEqual([
      3, 2, 0, 3,
    ])
    expect(writes).toEqual([3, 2])
    await client.exec('DELETE FROM items')
  })

  it('throws PostgreSQL errors with their code, and the next statements still run', async () => {
    await expect(client.query('SELEC 1')).rejects.toMatchObject({ code: '42601' })
    // Parsed and prepared, then refused at bind: the same text runs once its value is good.
    const byId = 'SELECT $1::uuid::text AS id'
    await expect(client.query(byId, ['not-a-uuid'])).rejects.toMatchObject({ code: '22P02' })
    const id = '5f2b4f2e-59a4-4a43-9f4c-0f4b8f7d2a10'
    expect((await client.query(byId, [id])).rows).toEqual([{ id }])
    await client.query('INSERT INTO items (n, body) VALUES (1, $1)', ['a'])
    await expect(
      client.query('INSERT INTO items (n, body) VALUES (1, $1)', ['b']),
    ).rejects.toMatchObject({ code: '23505' })
    await expect(client.exec('SELECT 1; SELEC 2')).rejects.toMatchObject({ code: '42601' })
    expect((await client.query('SELECT body FROM items')).rows).toEqual([{ body: 'a' }])
    await client.exec('DELETE FROM items')
  })

  it('commits a transaction, rolls one back when it throws, and runs other statements after it', async () => {
    await client.transaction(async (tx) => {
      await tx.query('INSERT INTO items (n, body) VALUES (1, $1)', ['kept'])
    })
    const order: string[] = []
    const failed = client.transaction(async (tx) => {
      await tx.query('INSERT INTO items (n, body) VALUES (2, $1)', ['lost'])
      order.push('in transaction')
      await new Promise((resolve) => setTimeout(resolve, 20))
      throw new Error('changed my mind')
    })
    const outside = client.query('SELECT count(*)::int AS n FROM items').then((result) => {
      order.push('outside')
      return result.rows[0]
    })
    await expect(failed).rejects.toThrow('changed my mind')
    // Queued while the transaction held the database: it saw none of the rolled-back row.
    expect(await outside).toEqual({ n: 1 })
    expect(order).toEqual(['in transaction', 'outside'])
    expect((await client.query('SELECT body FROM items')).rows).toEqual([{ body: 'kept' }])
    await client.exec('DELETE FROM items')
  })

  it('reads replies far larger than one chunk (5,000 rows of 2 KB)', async () => {
    await client.query(
      `INSERT INTO items (n, body) SELECT i, repeat(chr(65 + i % 26) || 'é', 700) FROM generate_series(1, 5000) i`,
    )
    const { rows } = await client.query<{ n: number; body: string }>(
      'SELECT n, body FROM items ORDER BY n',
    )
    expect(rows).toHaveLength(5000)
    for (const row of rows) {
      expect(row.body).toBe(`${String.fromCharCode(65 + (row.n % 26))}é`.repeat(700))
    }
    await client.exec('DELETE FROM items')
  })

  it('round-trips any text without NUL, exactly (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 300 }).filter((s) => !s.includes('\0')),
        async (text) => {
          const { rows } = await client.query<{ echo: string; chars: number }>(
            'SELECT $1::text AS echo, char_length($1::text) AS chars',
            [text],
          )
          expect(rows[0]?.echo).toBe(text)
          expect(rows[0]?.chars).toBe([...text].length)
        },
      ),
      { numRuns: 300, seed: 20261204 },
    )
  })
})

describe('closing the PGlite wire-protocol client', () => {
  it('runs the statements queued before close(), then refuses new ones', async () => {
    const db = await PGlite.create()
    let closed = false
    const client = createPgliteSqlClient(db, {
      async onClose() {
        await db.close()
        closed = true
      },
    })
    const queued = [1, 2, 3].map((n) => client.query('SELECT $1::int AS n', [n]))
    const closing = client.close()
    expect((await Promise.all(queued)).map((result) => result.rows[0])).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
    ])
    await closing
    expect(closed).toBe(true)
    expect(client.close()).toBe(closing)
    await expect(client.query('SELECT 1')).rejects.toThrow('closed')
  }, 60_000)
})
