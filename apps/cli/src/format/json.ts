import type { Palette } from './colors.js'

// Tokens of JSON.stringify's own output: a string (a key when a colon follows),
// a literal, a number. Strings are matched whole first, so nothing inside one is
// taken for a number.
const TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(?:true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g

/**
 * `JSON.stringify(value, null, 2)`, with keys, strings, numbers and literals
 * coloured when `paint` has colours: the same characters otherwise, so what a
 * person copies from the terminal is still JSON.
 */
export function formatJson(value: unknown, paint?: Palette): string {
  const json = JSON.stringify(value, null, 2) ?? 'null'
  if (!paint) return json
  return json.replace(TOKEN, (token, string: string | undefined, colon: string | undefined) => {
    if (string !== undefined) return colon ? `${paint.cyan(string)}${colon}` : paint.green(string)
    if (token === 'true' || token === 'false' || token === 'null') return paint.magenta(token)
    return paint.yellow(token)
  })
}
