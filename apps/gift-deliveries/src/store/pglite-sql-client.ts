import type { PGlite } from '@electric-sql/pglite'
import { type DatabaseError, serialize } from 'pg-protocol'
import type {
  BackendMessage,
  CommandCompleteMessage,
  DataRowMessage,
  RowDescriptionMessage,
} from 'pg-protocol/dist/messages.js'
import { Parser } from 'pg-protocol/dist/parser.js'
import type { SqlClient, SqlQueryable, SqlResult, SqlRow } from './sql-client.js'

export interface PgliteSqlClientOptions {
  /** Called after each statement that changed rows, with how many. */
  onWrite?: (rows: number) => void
  /** Runs after the last statement, when the client closes (closes the database). */
  onClose?: () => Promise<void>
}

interface Column {
  name: string
  /** Turns the column's text into the value `pg` would return; none keeps the text. */
  parse: ((text: string) => unknown) | undefined
}

interface Statement {
  name: string
  /** From the first execution's RowDescription; unknown until then. */
  columns?: Column[]
}

/**
 * The types whose values `pg` returns as JavaScript numbers and booleans (by
 * type OID); every other type stays text, as `pg` leaves `bigint` and `numeric`.
 * The store's SQL casts what it reads to text or JSON, so only plain queries
 * (counts, versions) meet these.
 */
const PARSERS: Record<number, (text: string) => unknown> = {
  16: (text) => text === 't', // bool
  21: Number, // int2
  23: Number, // int4
  26: Number, // oid
  700: Number, // float4
  701: Number, // float8
}

/**
 * The store's SQL client on an open PGlite, speaking PostgreSQL's wire
 * protocol to it directly (`pg-protocol`, node-postgres' own encoder and parser).
 *
 * PGlite's node-postgres adapter hands each protocol message to PostgreSQL in
 * its own call (Bind, Execute and Sync: three WebAssembly round trips and
 * three writes through to the data directory per statement) and every reply is
 * parsed twice (by PGlite, then by node-postgres). Here a statement is one
 * call: `Bind + Execute + Sync` (with `Parse` and `Describe` the first time its
 * text is seen, after which the server keeps its plan), and one parse. On an
 * insert of a delivery that is ~100 µs less CPU, on a read ~30 µs.
 *
 * Values come back as PostgreSQL's text but for numbers and booleans (see
 * `PARSERS`); parameters go as text. Statements run one at a time, in call
 * order; a transaction holds the database until it ends.
 */
export function createPgliteSqlClient(db: PGlite, options: PgliteSqlClientOptions = {}): SqlClient {
  const statements = new Map<string, Statement>()
  const lock = createLock()
  let closing: Promise<void> | undefined
  let closed = false

  async function exchange(message: Uint8Array): Promise<BackendMessage[]> {
    if (closed) throw new Error('The PGlite client is closed')
    const replies: BackendMessage[] = []
    const parser = new Parser()
    // Each chunk is a view of PGlite's memory, valid only during the call: parsed at once
    // (a message split across chunks is kept by the parser, so it gets a copy).
    await db.execProtocolRawStream(message, {
      onRawData: (chunk) => {
        parser.parse(Buffer.from(chunk), (reply) => replies.push(reply))
      },
    })
    return replies
  }

  async function run<R extends SqlRow>(sql: string, params: readonly unknown[]) {
    let statement = statements.get(sql)
    const parts: Uint8Array[] = []
    if (statement === undefined) {
      statement = { name: `m2m_${statements.size}` }
      parts.push(serialize.parse({ name: statement.name, text: sql, types: [] }))
    }
    parts.push(serialize.bind({ statement: statement.name, values: params.map(toText) }))
    const describe = statement.columns === undefined
    if (describe) parts.push(serialize.describe({ type: 'P', name: '' }))
    parts.push(serialize.execute({}), serialize.sync())

    const replies = await exchange(concat(parts))
    const rows: R[] = []
    let columns = statement.columns
    let command = ''
    for (const message of replies) {
      switch (message.name) {
        case 'parseComplete':
          statements.set(sql, statement)
          break
        case 'rowDescription':
          columns = (message as RowDescriptionMessage).fields.map((field) => ({
            name: field.name,
            parse: PARSERS[field.dataTypeID],
          }))
          break
        case 'noData':
          columns = []
          break
        case 'dataRow':
          rows.push(toRow<R>(columns ?? [], (message as DataRowMessage).fields))
          break
        case 'commandComplete':
          command = (message as CommandCompleteMessage).text
          break
        case 'error':
          throw message as DatabaseError
      }
    }
    if (describe && columns !== undefined) statement.columns = columns
    const rowCount = countOf(command, rows.length)
    if (options.onWrite && rowCount > 0 && /^(INSERT|UPDATE|DELETE)\b/.test(command)) {
      options.onWrite(rowCount)
    }
    return { rows, rowCount }
  }

  async function exec(sql: string): Promise<void> {
    // The simple protocol: several statements, no parameters.
    for (const message of await exchange(serialize.query(sql))) {
      if (message.name === 'error') throw message as DatabaseError
    }
  }

  const inTransaction: SqlQueryable = {
    query: <R extends SqlRow = SqlRow>(sql: string, params: readonly unknown[] = []) =>
      run<R>(sql, params) as Promise<SqlResult<R>>,
    exec,
  }

  return {
    query: <R extends SqlRow = SqlRow>(sql: string, params: readonly unknown[] = []) =>
      lock.run(() => run<R>(sql, params)) as Promise<SqlResult<R>>,
    exec: (sql) => lock.run(() => exec(sql)),
    transaction: (fn) =>
      lock.run(async () => {
        await exec('BEGIN')
        try {
          const result = await fn(inTransaction)
          await exec('COMMIT')
          return result
        } catch (error) {
          // A failed ROLLBACK (the database gone) must not hide why the transaction failed.
          await exec('ROLLBACK').catch(() => undefined)
          throw error
        }
      }),
    close() {
      // Statements queued before close() run first. onClose runs outside the lock: it may
      // wait for work (a vacuum) that itself queues a statement.
      closing ??= lock
        .run(async () => {})
        .then(() => options.onClose?.())
        .finally(() => {
          closed = true
        })
      return closing
    },
  }
}

/** A parameter as PostgreSQL's text input (the SQL casts it: `$1::uuid`, `$2::jsonb`). */
function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value)
  }
  if (value instanceof Date) return value.toISOString()
  throw new TypeError(`A statement parameter must be text, a number or a Date, got ${typeof value}`)
}

function toRow<R extends SqlRow>(
  columns: readonly Column[],
  fields: readonly (string | null)[],
): R {
  const row: SqlRow = {}
  for (let i = 0; i < columns.length; i++) {
    const { name, parse } = columns[i] as Column
    const text = fields[i] ?? null
    row[name] = text === null || parse === undefined ? text : parse(text)
  }
  return row as R
}

/** Rows a command touched: the last number of its tag (`INSERT 0 1`, `UPDATE 3`, `SELECT 20`). */
function countOf(command: string, returned: number): number {
  const last = command.slice(command.lastIndexOf(' ') + 1)
  return /^\d+$/.test(last) ? Number(last) : returned
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts)
}

/** Runs one job at a time, in call order. */
function createLock() {
  let tail: Promise<unknown> = Promise.resolve()
  return {
    run<T>(job: () => Promise<T>): Promise<T> {
      const result = tail.then(job)
      tail = result.catch(() => undefined)
      return result
    },
  }
}
