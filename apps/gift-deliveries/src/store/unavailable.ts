/**
 * Whether `error` means the store cannot be reached now (PostgreSQL down,
 * restarting or dropping connections), rather than a bug or a bad query:
 * the caller is told 503 with `Retry-After`, a load balancer's and a
 * client's cue to retry (with the same Idempotency-Key), never a 500.
 */
export function isStoreUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown }
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return true
      // SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutdown, crash, starting up).
      if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code)) return true
    }
    // node-postgres ends pending queries of a lost connection with this message and no code.
    if (typeof message === 'string' && /^Connection terminated\b/.test(message)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'])
