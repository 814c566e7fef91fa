import { join } from 'node:path'
import { packageDir } from './paths.js'
import { pickPort, waitUntilServing } from './ports.js'
import { type Child, startChild } from './processes.js'

export interface WorldMappersProcess {
  /** `http://127.0.0.1:<port>`, no path. */
  url: string
  child: Child
}

export interface WorldMappersLaunch {
  name: string
  issuer: string
  audience: string
  nodeFlags?: string[]
  /** A command node runs under (valgrind, for the census). */
  wrapper?: string[]
  /** How long it may take to answer ready (default: `waitUntilServing`'s). */
  startTimeoutMs?: number
}

/**
 * World-mappers' own `src/main.ts` on a free port of 127.0.0.1, logging at
 * `warn`, verifying tokens of `issuer` for `audience`; once it answers
 * `/readyz` (its places loaded) it is pinned to the server core. Stopped
 * again if it never answers; otherwise the caller stops it.
 */
export async function startWorldMappersProcess(
  launch: WorldMappersLaunch,
): Promise<WorldMappersProcess> {
  const port = await pickPort()
  const child = startChild({
    name: launch.name,
    script: join(packageDir('@m2m/world-mappers'), 'src', 'main.ts'),
    role: 'server',
    nodeFlags: launch.nodeFlags,
    wrapper: launch.wrapper,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER_BASE_URL: launch.issuer,
      AUDIENCE: launch.audience,
      LOG_LEVEL: 'warn',
    },
  })
  const url = `http://127.0.0.1:${port}`
  try {
    await waitUntilServing(
      `${url}/readyz`,
      () => child.process.exitCode === null,
      child.output,
      launch.startTimeoutMs,
    )
    child.pin()
  } catch (error) {
    await child.stop()
    throw error
  }
  return { url, child }
}
