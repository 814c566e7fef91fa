import type { CliIo } from '../io.js'
import { colorsEnabled, createPalette, type Palette } from './colors.js'

/** How one command prints: for a person on a terminal, or for a program. */
export interface OutputStyle {
  /**
   * stdout is a terminal and `--json` was not given: tables, sentences,
   * relative times. Otherwise the stable script format (JSON, or the text
   * lines a command has always printed).
   */
  human: boolean
  /** stdout is a terminal (with or without `--json`). */
  tty: boolean
  /** ANSI colours (see `colorsEnabled`); JSON is coloured only on a terminal, never for a program. */
  colors: boolean
  paint: Palette
  /** The clock relative times are measured against (epoch ms). */
  now: () => number
}

/**
 * The convention of `gh` and `auth0`: people get text, pipes and files get
 * what scripts parse. `json` is the command's `--json` flag, when it has one.
 */
export function outputStyle(io: CliIo, options: { json?: boolean | undefined } = {}): OutputStyle {
  const isTTY = io.stdout.isTTY === true
  const colors = colorsEnabled(io.env, isTTY)
  return {
    human: isTTY && options.json !== true,
    tty: isTTY,
    colors,
    paint: createPalette(colors),
    now: io.now ?? Date.now,
  }
}
