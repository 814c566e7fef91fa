/** A configuration value is wrong; the message starts with the variable's name. */
export class ConfigError extends Error {
  constructor(variable, problem) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}
/** An integer variable within bounds (a port by default), or the fallback when unset. */
export function readInteger(env, name, fallback, min = 0, max = 65_535) {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      name,
      `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    )
  }
  return value
}
/** An http(s) URL variable, or the fallback when unset. */
export function readHttpUrl(env, name, fallback) {
  const value = env[name] || fallback
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new ConfigError(name, `must be an http(s) URL, got ${JSON.stringify(value)}`)
  }
  return value
}
/**
 * The token issuer from `ISSUER_BASE_URL` or `AUTH0_DOMAIN` (`https://<domain>/`),
 * always ending with `/` as Auth0 issuers do.
 */
export function readIssuer(env, fallback) {
  if (env.ISSUER_BASE_URL && env.AUTH0_DOMAIN) {
    throw new ConfigError('AUTH0_DOMAIN', 'give ISSUER_BASE_URL or AUTH0_DOMAIN, not both')
  }
  if (env.AUTH0_DOMAIN) {
    if (!/^[a-z0-9.-]+(:\d+)?$/i.test(env.AUTH0_DOMAIN)) {
      throw new ConfigError(
        'AUTH0_DOMAIN',
        `must be a host name such as tenant.auth0.com, got ${JSON.stringify(env.AUTH0_DOMAIN)}`,
      )
    }
    return `https://${env.AUTH0_DOMAIN}/`
  }
  const issuer = readHttpUrl(env, 'ISSUER_BASE_URL', fallback)
  return issuer.endsWith('/') ? issuer : `${issuer}/`
}
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
/** `LOG_LEVEL`, a pino level; default `info`. */
export function readLogLevel(env) {
  const level = env.LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)
  }
  return level
}
/** A boolean flag: unset, `0` or `false` is off; `1` or `true` is on; anything else is an error. */
export function readFlag(env, name) {
  const raw = env[name]
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false
  if (raw === '1' || raw === 'true') return true
  throw new ConfigError(name, `must be 1/true or 0/false, got ${JSON.stringify(raw)}`)
}
/** True for `localhost`, `127.x.x.x` and `[::1]`. */
export function isLoopbackHost(hostname) {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.')
}
