/**
 * pino `redact` paths that keep credentials out of logs: the Authorization
 * header of requests (both directions) and OAuth secrets and tokens in bodies.
 * Use as `pino({ redact: { paths: credentialRedactPaths, censor: '[redacted]' } })`.
 */
export const credentialRedactPaths: readonly string[] = Object.freeze([
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'client_secret',
  'clientSecret',
  'access_token',
  'accessToken',
  'token',
  '*.client_secret',
  '*.clientSecret',
  '*.access_token',
  '*.accessToken',
])
