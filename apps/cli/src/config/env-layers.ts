import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse } from 'dotenv'
import { usageError } from '../errors.js'
import type { CliIo } from '../io.js'

/** Where a setting came from, for messages. */
export type SettingOrigin = 'environment' | string

/** Variables from the environment over those of a `.env` file. */
export interface EnvLayers {
  /** The first non-empty value: the environment, then the file. */
  get(name: string): string | undefined
  /** The layers, highest first, for settings that must come from one layer. */
  readonly layers: ReadonlyArray<{
    origin: SettingOrigin
    vars: Record<string, string | undefined>
  }>
}

/**
 * The environment over `--env-file <path>` (which must exist) or, without one,
 * over `.env` in the working directory when there is one.
 */
export function loadEnvLayers(io: CliIo, envFile: string | undefined): EnvLayers {
  const layers: Array<{ origin: SettingOrigin; vars: Record<string, string | undefined> }> = [
    { origin: 'environment', vars: io.env },
  ]
  const path = resolve(io.cwd, envFile ?? '.env')
  const file = readEnvFile(path, envFile !== undefined)
  if (file) layers.push({ origin: envFile ?? '.env', vars: file })
  return {
    layers,
    get(name) {
      for (const layer of layers) {
        const value = layer.vars[name]
        if (value !== undefined && value !== '') return value
      }
      return undefined
    },
  }
}

function readEnvFile(path: string, required: boolean): Record<string, string> | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (!required && code === 'ENOENT') return undefined
    throw usageError(`--env-file: cannot read ${path} (${code ?? 'unknown error'})`)
  }
  return parse(text)
}
