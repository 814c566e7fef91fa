import type { KeyRing, SigningKeyRecord } from '../../keys/key-ring.js'

export type KeyState = 'current' | 'next' | 'previous' | 'revoked'

/** One signing key as the dashboard shows it: public facts only, never the private key. */
export interface TimelineKey {
  kid: string
  state: KeyState
  /** SHA-1 of its certificate, colon-separated hex. */
  fingerprint: string
  /** Absent for revoked keys: the key ring no longer publishes them. */
  createdAt?: string | undefined
  currentSince?: string | undefined
  /** When it stopped signing: the moment the key after it became current. */
  retiredAt?: string | undefined
  revokedAt?: string | undefined
}

const ORDER: readonly KeyState[] = ['current', 'next', 'previous', 'revoked']

function stateOf(record: SigningKeyRecord): KeyState {
  if (record.current) return 'current'
  if (record.next) return 'next'
  return record.revoked ? 'revoked' : 'previous'
}

/**
 * The key ring in the order a reader needs it: current, next, then previous
 * and revoked keys, newest first within each.
 */
export function keyTimeline(keys: KeyRing): TimelineKey[] {
  const created = new Map(keys.published().map((key) => [key.kid, key.createdAt]))
  // The ring lists keys in creation order and promotes them in that order (next becomes
  // current), so a key stopped signing when the one listed after it became current.
  const records = keys.list()
  const timeline = records.map((record, i): TimelineKey => {
    const state = stateOf(record)
    const successor = records[i + 1]
    return {
      kid: record.kid,
      state,
      fingerprint: record.fingerprint,
      createdAt: created.get(record.kid),
      currentSince: record.current_since,
      retiredAt: state === 'previous' || state === 'revoked' ? successor?.current_since : undefined,
      revokedAt: record.revoked_at,
    }
  })
  return timeline
    .map((key, i) => ({ key, i }))
    .sort((a, b) => ORDER.indexOf(a.key.state) - ORDER.indexOf(b.key.state) || b.i - a.i)
    .map(({ key }) => key)
}
