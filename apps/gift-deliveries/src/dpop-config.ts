import { readFileSync } from 'node:fs'
import { DPOP_ALGORITHMS, type DpopAlgorithm, isDpopAlgorithm } from '@m2m/auth/dpop'
import { createDpopKey, type DpopKey } from '@m2m/auth/token'
import { ConfigError, readFlag } from '@m2m/service-kit'

/**
 * AUTH0_DPOP=true: tokens for world-mappers are bound to a key pair (DPoP,
 * RFC 9449) and every call carries a proof. The key is made at start and kept
 * in memory, so each replica holds its own bound token; AUTH0_DPOP_KEY (a PEM
 * private key file) gives replicas one key, so that they share one bound token
 * through REDIS_URL. AUTH0_DPOP_ALG: the proof algorithm (default ES256).
 */
export function readDpopKey(env: NodeJS.ProcessEnv): DpopKey | undefined {
  const on = readFlag(env, 'AUTH0_DPOP')
  const keyPath = env.AUTH0_DPOP_KEY || undefined
  const alg = env.AUTH0_DPOP_ALG || undefined
  if (!on) {
    for (const [name, value] of [
      ['AUTH0_DPOP_KEY', keyPath],
      ['AUTH0_DPOP_ALG', alg],
    ] as const) {
      if (value !== undefined) throw new ConfigError(name, 'needs AUTH0_DPOP=true')
    }
    return undefined
  }
  if (alg !== undefined && !isDpopAlgorithm(alg)) {
    throw new ConfigError('AUTH0_DPOP_ALG', `must be one of ${DPOP_ALGORITHMS.join(', ')}`)
  }
  const algorithm: DpopAlgorithm = alg ?? 'ES256'
  if (keyPath === undefined) return createDpopKey({ alg: algorithm })
  let pem: Buffer
  try {
    pem = readFileSync(keyPath)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    throw new ConfigError('AUTH0_DPOP_KEY', `cannot read ${keyPath} (${code})`)
  }
  try {
    return createDpopKey({ alg: algorithm, privateKey: pem.toString('utf8') })
  } catch (error) {
    // The message names the option and the algorithm, never the key.
    throw new ConfigError(
      'AUTH0_DPOP_KEY',
      `${keyPath}: ${(error as Error).message.replace(/^Invalid option: dpop\.privateKey /, '')}`,
    )
  } finally {
    pem.fill(0)
  }
}
