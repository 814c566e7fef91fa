import { InvalidCursorError } from './errors.js'

const PREFIX = 'd1:'
const SEQ = /^[1-9][0-9]{0,18}$/

/** An opaque list position: after the delivery with this creation sequence number. */
export function encodeCursor(seq: string): string {
  return Buffer.from(`${PREFIX}${seq}`, 'utf8').toString('base64url')
}

/** The sequence number in a cursor from `encodeCursor`; InvalidCursorError otherwise. */
export function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw new InvalidCursorError()
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const seq = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : ''
  if (!SEQ.test(seq) || BigInt(seq) > 9_223_372_036_854_775_807n) throw new InvalidCursorError()
  return seq
}
