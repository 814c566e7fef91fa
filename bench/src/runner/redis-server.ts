import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { pickPort } from './ports.js'

/**
 * Debian's redis-server on a free loopback port, no persistence, for the
 * replicas scenario; stopped with the run. Fails with the package to install
 * when the binary is missing.
 */
export async function startRedisServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await pickPort()
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(
        new Error(`cannot start redis-server (apt-get install redis-server): ${error.message}`),
      ),
    ),
  )
  const url = `redis://127.0.0.1:${port}`
  const ready = (async () => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
      probe.on('error', () => {})
      try {
        await probe.connect()
        await probe.ping()
        return
      } catch {
        await sleep(100)
      } finally {
        probe.disconnect()
      }
    }
    throw new Error(`redis-server did not answer on ${url}`)
  })()
  await Promise.race([ready, failed])
  return {
    url,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
