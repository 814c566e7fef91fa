import { readFile } from 'node:fs/promises'
import type { Client } from '../tenant/model.js'

/** File name, in `DATA_DIR`, of the clients' ids and secrets as env lines. */
export const CLIENT_SECRETS_ENV = 'client-secrets.env'

/**
 * A client name as an env variable prefix, as `m2m --profile` reads it:
 * upper snake case (`API Explorer Application` → `API_EXPLORER_APPLICATION`),
 * starting with a letter (`CLIENT_` is put before a name that does not).
 */
export function envPrefixOf(name: string): string {
  const snake = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
  return /^[A-Z]/.test(snake) ? snake : `CLIENT_${snake}`.replace(/_+$/, '')
}

/**
 * `<NAME>_CLIENT_ID=` and `<NAME>_CLIENT_SECRET=` lines for every client whose
 * secret the tenant holds, in the order given. Two clients whose names give
 * the same prefix get `_2`, `_3`, … after the later ones.
 */
export function clientSecretsEnv(clients: readonly Client[]): string {
  const used = new Map<string, number>()
  const lines = ['# Client ids and secrets of the local tenant (owner-only; do not commit).']
  for (const client of clients) {
    if (client.client_secret === undefined) continue
    const base = envPrefixOf(client.name)
    const seen = (used.get(base) ?? 0) + 1
    used.set(base, seen)
    const prefix = seen === 1 ? base : `${base}_${seen}`
    lines.push(`# ${client.name.replace(/[\r\n]+/g, ' ')}`)
    const secret = envValue(client.client_secret)
    if (secret === undefined) {
      lines.push('# (its secret holds every quote character or a line break: not writable here)')
      continue
    }
    lines.push(`${prefix}_CLIENT_ID=${client.client_id}`)
    lines.push(`${prefix}_CLIENT_SECRET=${secret}`)
  }
  return `${lines.join('\n')}\n`
}

/** A value as dotenv reads it back unchanged: bare when plain, else in a quote it does not hold. */
function envValue(value: string): string | undefined {
  if (/^[A-Za-z0-9._~+/=-]*$/.test(value)) return value
  if (/[\r\n]/.test(value)) return undefined
  // Double quotes last: dotenv expands `\n` inside them.
  const quote = ["'", '`', '"'].find((q) => !value.includes(q))
  if (quote === '"' && value.includes('\\n')) return undefined
  return quote && `${quote}${value}${quote}`
}

/**
 * The secrets a `client-secrets.env` written by `clientSecretsEnv` holds, by
 * client id; empty when the file does not exist. Lines it did not write
 * (edited by hand) are skipped.
 */
export async function readClientSecrets(path: string): Promise<Map<string, string>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
    throw error
  }
  const values = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(?:'([^']*)'|`([^`]*)`|"([^"]*)"|([^\s'`"]*))$/.exec(line)
    if (match) values.set(match[1] as string, match[2] ?? match[3] ?? match[4] ?? match[5] ?? '')
  }
  const secrets = new Map<string, string>()
  for (const [key, id] of values) {
    if (!key.endsWith('_CLIENT_ID')) continue
    const secret = values.get(`${key.slice(0, -'_CLIENT_ID'.length)}_CLIENT_SECRET`)
    if (secret !== undefined) secrets.set(id, secret)
  }
  return secrets
}
