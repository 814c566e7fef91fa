/**
 * Folds a name for matching: lower case, accents removed ("São" → "sao"), letters that do not
 * decompose spelled out ("ß" → "ss", "ø" → "o"), apostrophes dropped ("Xi'an" → "xian") and any
 * other run of punctuation or space turned into one space. Non-Latin scripts are kept as they are
 * (lower-cased), so "Москва" still matches "москва".
 *
 * Both the index and the queries go through this one function, so they always agree.
 */
export function normalizeName(input: string): string {
  const lower = input.toLowerCase()
  // Fast path: most GeoNames names are plain ASCII words ("soldeu", "new york").
  if (SIMPLE.test(lower)) return lower
  if (ASCII.test(lower)) {
    return lower.replace(ASCII_APOSTROPHES, '').replace(ASCII_SEPARATORS, ' ').trim()
  }
  const folded =
    DECOMPOSABLE.test(lower) || COMBINING.test(lower)
      ? lower.normalize('NFKD').replace(COMBINING_MARKS, '')
      : lower
  return folded
    .replace(SPECIAL_LETTERS, (letter) => SPECIAL[letter] ?? letter)
    .replace(APOSTROPHES, '')
    .replace(SEPARATORS, ' ')
    .trim()
}

const SIMPLE = /^[a-z0-9]+(?: [a-z0-9]+)*$/
const ASCII = /^[\x20-\x7e]*$/
const ASCII_APOSTROPHES = /['`]/g
const ASCII_SEPARATORS = /[^a-z0-9]+/g
// Latin-1, Latin Extended, Greek, Latin Extended Additional, Greek Extended and full-width forms,
// and combining accents ("İ" lower-cases to "i" + U+0307): where NFKD changes what people type.
const DECOMPOSABLE = /[\u00c0-\u024f\u0370-\u03ff\u1e00-\u1fff\uff00-\uffef]/
const COMBINING = /[\u0300-\u036f]/
const COMBINING_MARKS = /[\u0300-\u036f]/g
const SPECIAL: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  ı: 'i',
  þ: 'th',
  ħ: 'h',
}
const SPECIAL_LETTERS = /[ßæœøđðłıþħ]/g
const APOSTROPHES = /['`´‘’ʻʼ]/g
const SEPARATORS = /[^\p{L}\p{M}\p{N}]+/gu
