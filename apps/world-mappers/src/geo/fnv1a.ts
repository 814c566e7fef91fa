/**
 * FNV-1a (32 bits) over the UTF-16 code units of `text`, leaving out the units at
 * `skip` and `also` (−1: none): the fuzzy index hashes a name with one or two
 * characters deleted without making those strings.
 */
export function fnv1a(text: string, skip = -1, also = -1): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    if (i === skip || i === also) continue
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash | 0
}
