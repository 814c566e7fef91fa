/**
 * ANSI colours for what a person reads. On when stdout is a terminal, unless
 * the environment says otherwise (https://no-color.org, https://force-color.org):
 *
 * - `NO_COLOR` set and not empty: off, whatever else is set.
 * - `FORCE_COLOR` set and not empty: on even through a pipe (`| less -R`),
 *   except `0` or `false`, which turn colour off.
 * - `TERM=dumb`: off.
 */
export function colorsEnabled(
  env: Readonly<Record<string, string | undefined>>,
  isTTY: boolean,
): boolean {
  if (env.NO_COLOR) return false
  const force = env.FORCE_COLOR
  if (force) return force !== '0' && force.toLowerCase() !== 'false'
  return isTTY && env.TERM !== 'dumb'
}

export type Paint = (text: string) => string

export interface Palette {
  red: Paint
  green: Paint
  yellow: Paint
  cyan: Paint
  magenta: Paint
  dim: Paint
  bold: Paint
}

/** The colours, or with `enabled` false, functions that return the text unchanged. */
export function createPalette(enabled: boolean): Palette {
  const sgr =
    (open: number, close: number): Paint =>
    (text) =>
      enabled && text !== '' ? `\u001b[${open}m${text}\u001b[${close}m` : text
  return {
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    magenta: sgr(35, 39),
    dim: sgr(2, 22),
    bold: sgr(1, 22),
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const SGR = /\u001b\[[0-9;]*m/g

/** The text without colour codes (what a test or a width computation sees). */
export function stripColors(text: string): string {
  return text.replace(SGR, '')
}
