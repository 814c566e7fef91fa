// The `lucene` package ships no types; only what log-search.ts uses.
declare module 'lucene' {
  const lucene: { parse(query: string): unknown }
  export default lucene
}
