import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const authServerDir = fileURLToPath(new URL('../../apps/auth-server/', import.meta.url))

/** Secrets the tests use: the dev tenant's client secrets, and the auth-server test tenant's. */
function knownSecrets(): string[] {
  const keywords = JSON.parse(
    readFileSync(join(authServerDir, 'tenants/dev/keywords.json'), 'utf8'),
  ) as Record<string, string>
  const dev = Object.entries(keywords)
    .filter(([name]) => name.endsWith('_SECRET'))
    .map(([, value]) => value)
  const testTenant = readFileSync(join(authServerDir, 'test/helpers/test-tenant.ts'), 'utf8')
  const literals = [...testTenant.matchAll(/'([\w-]+-secret-[\w-]+)'/g)].map((m) => m[1] as string)
  return [...dev, ...literals]
}

const FORBIDDEN: Array<[string, RegExp]> = [
  ['an access token (JWT)', /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\./],
  ['PEM key material', /-----BEGIN/],
  ['a private JWK member', /"d":"/],
  ['an unredacted client_secret field', /"client_secret":"(?!\[redacted\])/],
  ['a bearer credential', /Bearer [A-Za-z0-9\-._~+/]{20,}/],
]

/**
 * Global setup: a capture directory for log-capture.ts; on teardown, every
 * line the suite logged is checked for secrets, tokens and private keys, and
 * the capture must have seen request logs at all (else the check proves nothing).
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'm2m-log-capture-'))
  process.env.M2M_LOG_CAPTURE_DIR = dir
  return () => {
    const lines = readdirSync(dir).flatMap((file) =>
      readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean),
    )
    rmSync(dir, { recursive: true, force: true })
    const problems: string[] = []
    const secrets = knownSecrets()
    for (const [index, line] of lines.entries()) {
      for (const [what, pattern] of FORBIDDEN) {
        if (pattern.test(line)) problems.push(`line ${index}: ${what}`)
      }
      for (const secret of secrets) {
        if (line.includes(secret)) problems.push(`line ${index}: a client secret`)
      }
    }
    const requests = lines.filter((line) => line.includes('"msg":"incoming request"')).length
    // A vitest filter (-t, or one file) may run no app at all: only a full run must log.
    if (requests === 0 && process.env.M2M_LOG_CAPTURE_REQUIRED === '1') {
      problems.push('no request was logged: the capture saw nothing')
    }
    if (problems.length > 0) {
      throw new Error(
        `secrets in logs (${lines.length} lines scanned):\n${[...new Set(problems)].slice(0, 20).join('\n')}`,
      )
    }
    console.log(`log scan: ${lines.length} lines, ${requests} requests, no secret, token or key`)
  }
}
