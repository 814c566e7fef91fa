// C0 and C1 control characters, DEL included: ESC (\u001b) and CSI (\u009b)
// start the sequences that move the cursor, retitle the window or rewrite
// what is on screen.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

/**
 * The text with every control character (newlines and tabs too) made a space:
 * what an API answers (a recipient's name, a log description) is data, and
 * must not drive the terminal of the person who reads it.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, ' ')
}

/** `value` with `printable` applied to every string in it, at any depth. */
export function printableStrings<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T
  if (Array.isArray(value)) return value.map(printableStrings) as T
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, printableStrings(inner)]),
    ) as T
  }
  return value
}

// DEL and C1: JSON.stringify escapes C0 only.
const C1 = /[\u007f-\u009f]/g

/**
 * JSON text with DEL and the C1 controls (CSI among them) written as `\u009b`
 * escapes: the same JSON value, safe on a terminal. They can only be inside
 * strings there, where the escape means the same character.
 */
export function escapeC1(json: string): string {
  return json.replace(C1, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
