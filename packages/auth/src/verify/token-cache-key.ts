/** The characters of a token's end that its cache key is made of. */
const KEY_CHARACTERS = 8

/**
 * The verified-token cache's key for `token`: a number made of its last eight
 * characters, the end of its signature. Hashing the whole ~800-character token
 * on every lookup cost more than the rest of a cache hit; a string of its last
 * characters, cut and hashed per request, cost twice this loop (Node 20).
 *
 * The key is a 30-bit small integer, spread like an ideal 30-bit hash over
 * random signatures (`test/token-cache-key.test.ts`). The cache serves an
 * entry only for a token equal to the one it holds, and stores only verified
 * tokens: a forged token with a borrowed end finds nothing and evicts nothing.
 * Two verified tokens sharing a key take turns in one entry, each verified
 * again when the other displaced it.
 */
export function tokenCacheKey(token: string): number {
  let hash = 0
  for (let i = token.length - KEY_CHARACTERS; i < token.length; i++) {
    // Before the start of a token shorter than the key, `charCodeAt` is NaN, which `| 0` makes 0.
    hash = (Math.imul(hash, 31) + token.charCodeAt(i)) | 0
  }
  return hash & 0x3fffffff
}
