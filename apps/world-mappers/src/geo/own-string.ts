/** Longest string copied code unit by code unit (`apply` takes one argument per unit). */
const COPY_BY_UNITS_MAX = 1024
const units: number[] = []

/**
 * A copy of `s` that is one heap object holding no other string.
 *
 * V8 makes a substring of 13 or more code units a view into its parent: keeping such a name
 * would keep the whole 32 MB GeoNames text alive, and even a view of a string of its own is two
 * objects, each of them work for every garbage collection of the process. So a long string is
 * rebuilt from its code units (one-byte when they all fit). Shorter substrings are copies already.
 */
export function ownCopy(s: string): string {
  if (s.length < 13) return s
  if (s.length > COPY_BY_UNITS_MAX) return ` ${s}`.slice(1)
  units.length = s.length
  for (let i = 0; i < s.length; i++) units[i] = s.charCodeAt(i)
  return String.fromCharCode.apply(null, units)
}
