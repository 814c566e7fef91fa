/**
 * Child process: raw RS256 signing with node:crypto, the floor under any
 * token endpoint. Signs tokens of the tenant's form (header with `kid`, the
 * same claims) with the tenant's current key, for the time asked, and
 * reports tokens per second.
 */
import { announce, isMessage } from '../runner/processes.js'
import { createRawSigner } from './raw-signer.js'

interface RunRequest {
  type: 'run'
  keyFile: string
  claims: Record<string, unknown>
  warmupSeconds: number
  durationSeconds: number
}

async function measure(run: RunRequest) {
  const { signOne } = await createRawSigner(run.keyFile, run.claims)
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
