import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { usageError } from '../errors.js'
import type { CliIo } from '../io.js'

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** An absolute http(s) URL, or a usage error. */
export function parseHttpUrl(value: string, name: string): URL {
  if (!URL.canParse(value))
    throw usageError(`${name} must be an absolute URL, got ${JSON.stringify(value)}`)
  const url = new URL(value)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`)
  }
  if (url.username || url.password) throw usageError(`${name} must not carry credentials`)
  return url
}

/** An HTTP method name (`get` is sent as `GET`). */
export function parseMethod(value: string): string {
  if (!TOKEN.test(value))
    throw usageError(`-X/--request: not an HTTP method: ${JSON.stringify(value)}`)
  return value.toUpperCase()
}

/** `-H "Name: value"` flags as a header object; names are lower-cased. */
export function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const raw of values) {
    const colon = raw.indexOf(':')
    const name = colon > 0 ? raw.slice(0, colon).trim().toLowerCase() : ''
    if (!TOKEN.test(name)) {
      throw usageError(`-H/--header must look like "Name: value", got ${JSON.stringify(raw)}`)
    }
    const value = raw.slice(colon + 1).trim()
    // biome-ignore lint/suspicious/noControlCharactersInRegex: header injection guard
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
      throw usageError(`-H/--header ${name}: the value holds a control character`)
    }
    headers[name] = value
  }
  return headers
}

/** `-d` data: a literal, `@file`, or `@-` for standard input. */
export async function readData(value: string, io: CliIo): Promise<string> {
  if (value === '@-') return io.readStdin()
  if (value.startsWith('@')) {
    const path = resolve(io.cwd, value.slice(1))
    try {
      return readFileSync(path, 'utf8')
    } catch (error) {
      throw usageError(`-d/--data: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`)
    }
  }
  return value
}
