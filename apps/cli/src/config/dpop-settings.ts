import { createPrivateKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  createDpopKey,
  DPOP_ALGORITHMS,
  type DpopAlgorithm,
  type DpopKey,
  isDpopAlgorithm,
} from '@m2m/auth/dpop'
import { usageError } from '../errors.js'
import type { CliContext } from '../io.js'
import type { EnvLayers } from './env-layers.js'
import type { TokenFlags } from './token-options.js'

/** DPoP for one run: the key tokens are bound to, and where it came from. */
export interface DpopSettings {
  key: DpopKey
  /** The key file and the flag or variable that named it; absent for a key made for this run. */
  keyFile?: { path: string; source: string }
}

/**
 * `--dpop` / `--no-dpop` win over `<PREFIX>_DPOP`; `--dpop-key` and
 * `--dpop-alg` over `<PREFIX>_DPOP_KEY` and `<PREFIX>_DPOP_ALG`. A key or an
 * algorithm without DPoP on is refused rather than ignored: it says the caller
 * expects a binding that would not happen. No message shows the key file's content.
 */
export function resolveDpopSettings(
  flags: TokenFlags,
  env: EnvLayers,
  prefix: string,
  ctx: CliContext,
): DpopSettings | undefined {
  const names = { on: `${prefix}_DPOP`, key: `${prefix}_DPOP_KEY`, alg: `${prefix}_DPOP_ALG` }
  const on = flags.dpop ?? readBoolean(env, names.on)
  if (!on) {
    if (flags.dpopKey !== undefined || flags.dpopAlg !== undefined) {
      throw usageError(`--dpop-key and --dpop-alg go with --dpop (or ${names.on}=true)`)
    }
    // --no-dpop overrides the whole DPoP configuration of the environment.
    if (flags.dpop === undefined) {
      for (const name of [names.key, names.alg]) {
        if (env.get(name) !== undefined)
          throw usageError(`${name} needs ${names.on}=true (or --dpop)`)
      }
    }
    return undefined
  }

  const alg = pickAlgorithm(flags, env, names.alg)
  const keyFile =
    flags.dpopKey !== undefined
      ? { path: flags.dpopKey, source: '--dpop-key' }
      : optional(env.get(names.key), (path) => ({ path, source: names.key }))
  if (keyFile === undefined) {
    return { key: createDpopKey({ alg: alg?.value ?? 'ES256' }) }
  }
  if (keyFile.path === '') throw usageError('--dpop-key needs the path of a PEM private key file')
  const path = resolve(ctx.io.cwd, keyFile.path)
  const privateKey = readPrivateKey(path, keyFile.source)
  const keyAlg = alg?.value ?? algorithmOf(privateKey)
  if (keyAlg === undefined) {
    throw usageError(
      `${keyFile.source}: ${path} is ${describeKey(privateKey)}, which signs no DPoP proof (${DPOP_ALGORITHMS.join(', ')})`,
    )
  }
  try {
    return {
      key: createDpopKey({ alg: keyAlg, privateKey }),
      keyFile: { path, source: keyFile.source },
    }
  } catch {
    // createDpopKey refuses a key of another type or curve, or an RSA key outside 2048 to 8192 bits.
    const fix = alg ? ` (from ${alg.source})` : ''
    throw usageError(
      `${keyFile.source}: ${path} is ${describeKey(privateKey)}, not a key for ${keyAlg}${fix}`,
    )
  }
}

function readBoolean(env: EnvLayers, name: string): boolean {
  const raw = env.get(name)
  if (raw === undefined || raw === 'false' || raw === '0') return false
  if (raw === 'true' || raw === '1') return true
  throw usageError(`${name} must be true or false, got ${JSON.stringify(raw)}`)
}

function pickAlgorithm(
  flags: TokenFlags,
  env: EnvLayers,
  name: string,
): { value: DpopAlgorithm; source: string } | undefined {
  // commander already checked --dpop-alg against DPOP_ALGORITHMS.
  if (flags.dpopAlg !== undefined) {
    return { value: flags.dpopAlg as DpopAlgorithm, source: '--dpop-alg' }
  }
  const value = env.get(name)
  if (value === undefined) return undefined
  if (!isDpopAlgorithm(value)) {
    throw usageError(
      `${name} must be one of ${DPOP_ALGORITHMS.join(', ')}, got ${JSON.stringify(value)}`,
    )
  }
  return { value, source: name }
}

const optional = <T, R>(value: T | undefined, map: (value: T) => R) =>
  value === undefined ? undefined : map(value)

/** The file's private key; the error names `source` and the path, never the content. */
function readPrivateKey(path: string, source: string): KeyObject {
  let pem: Buffer
  try {
    pem = readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    throw usageError(`${source}: cannot read ${path} (${code})`)
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    const text = pem.toString('latin1')
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
      throw usageError(
        `${source}: ${path} is an encrypted private key: decrypt it first (openssl pkey -in <file> -out <plain file>)`,
      )
    }
    if (/-----BEGIN (RSA )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(text)) {
      throw usageError(`${source}: ${path} is a public key, not a private key`)
    }
    throw usageError(`${source}: ${path} is not a PEM private key`)
  } finally {
    // The KeyObject holds its own copy; leave none of the PEM text in this buffer.
    pem.fill(0)
  }
}

const CURVE_ALGORITHMS: Readonly<Record<string, DpopAlgorithm>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
}

/** The algorithm a key signs with when `--dpop-alg` does not say. */
function algorithmOf(key: KeyObject): DpopAlgorithm | undefined {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return CURVE_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? '']
    case 'rsa':
      return 'RS256'
    case 'rsa-pss':
      return 'PS256'
    case 'ed25519':
      return 'EdDSA'
    default:
      return undefined
  }
}

/** "an EC key on prime256v1", "a 1024-bit RSA key": what the key is, never what it holds. */
function describeKey(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown'
  const details = key.asymmetricKeyDetails
  if (type === 'ec') return `an EC key on ${details?.namedCurve ?? 'an unknown curve'}`
  if (type === 'rsa' || type === 'rsa-pss') {
    return `a ${details?.modulusLength ?? '?'}-bit ${type.toUpperCase()} key`
  }
  if (type === 'ed25519') return 'an Ed25519 key'
  return `a key of type ${type}`
}
