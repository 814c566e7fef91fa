import { InvalidCursorError } from '../errors.js'

/** After `after` (a creation sequence number), up to `upto` (the newest when the listing began). */
export interface ListPosition {
  after: string
  /** Absent in a cursor from before listings were bounded (`d1:`): no upper bound. */
  upto?: string
}

const BOUNDED = 'd2:'
const UNBOUNDED = 'd1:'
const SEQ = /^[1-9][0-9]{0,18}$/
const MAX_BIGINT = 9_223_372_036_854_775_807n

/** An opaque list position. */
export function encodeCursor(position: Required<ListPosition>): string {
  return Buffer.from(`${BOUNDED}${position.after}:${position.upto}`, 'utf8').toString('base64url')
}

/** The position in a cursor from `encodeCursor`; InvalidCursorError otherwise. */
export function decodeCursor(cursor: string): ListPosition {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw new InvalidCursorError()
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  if (text.startsWith(UNBOUNDED)) return { after: seq(text.slice(UNBOUNDED.length)) }
  if (!text.startsWith(BOUNDED)) throw new InvalidCursorError()
  const [after, upto, ...rest] = text.slice(BOUNDED.length).split(':')
  if (rest.length > 0 || after === undefined || upto === undefined) throw new InvalidCursorError()
  return { after: seq(after), upto: seq(upto) }
}

function seq(text: string): string {
  if (!SEQ.test(text) || BigInt(text) > MAX_BIGINT) throw new InvalidCursorError()
  return text
}
