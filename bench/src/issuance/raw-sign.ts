/**
 * Child process: raw RS256 signing with node:crypto, the floor under any
 * token endpoint. Signs tokens of the tenant's form (header with `kid`, the
 * same claims) with the tenant's current key, for the time asked, and
 * reports tokens per second.
 */
import { createPrivateKey, sign } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { announce, isMessage } from '../runner/processes.js'

interface RunRequest {
  type: 'run'
  keyFile: string
  claims: Record<string, unknown>
  warmupSeconds: number
  durationSeconds: number
}

async function measure(run: RunRequest) {
  const ring = JSON.parse(await readFile(run.keyFile, 'utf8')) as {
    current: string
    keys: Array<{ kid: string; privateKeyPem: string }>
  }
  const current = ring.keys.find((k) => k.kid === ring.current)
  if (!current) throw new Error('no current key')
  const key = createPrivateKey(current.privateKeyPem)
  const header = Buffer.from(
    JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: current.kid }),
  ).toString('base64url')
  const lifetime = Number(run.claims.exp) - Number(run.claims.iat)

  const signOne = () => {
    const iat = Math.floor(Date.now() / 1000)
    const payload = Buffer.from(
      JSON.stringify({ ...run.claims, iat, exp: iat + lifetime }),
    ).toString('base64url')
    const input = `${header}.${payload}`
    return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
  }
  const loop = (seconds: number) => {
    const end = performance.now() + seconds * 1000
    let n = 0
    while (performance.now() < end) {
      signOne()
      n++
    }
    return n
  }
  loop(run.warmupSeconds)
  const started = performance.now()
  const cpu = process.cpuUsage()
  const signed = loop(run.durationSeconds)
  const { user, system } = process.cpuUsage(cpu)
  return {
    tokensPerSecond: Math.round(signed / ((performance.now() - started) / 1000)),
    signed,
    cpuMicrosPerToken: (user + system) / signed,
  }
}

await announce(async () => ({}))
process.on('message', async (message: unknown) => {
  if (!isMessage(message, 'run')) return
  try {
    process.send?.({ type: 'result', ...(await measure(message as RunRequest)) })
  } catch (error) {
    process.send?.({ type: 'error', error: (error as Error).message })
  }
})
