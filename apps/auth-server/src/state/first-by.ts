/** The first of `items` for each key, as a scan in order would find it. */
export function firstBy<T>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, T> {
  const map = new Map<string, T>()
  for (const item of items) {
    const key = keyOf(item)
    if (!map.has(key)) map.set(key, item)
  }
  return map
}
