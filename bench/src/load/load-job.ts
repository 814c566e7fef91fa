/**
 * Values a server accepts once only, made by the load worker (on the load
 * core) before the runs that send them: `LoadGenerator.prepare` fills a pool
 * under `pool`, each request of a job naming it takes the next value, and
 * none is ever sent twice (when the pool runs dry, the worker makes one on
 * the spot and counts it in `LoadResult.madeDuringRun`).
 */
export type FreshSpec =
  | {
      /** A DPoP proof per request (RFC 9449): `Authorization: DPoP <token>` and a `DPoP` header. */
      kind: 'dpop'
      pool: string
      /** PKCS #8 PEM of the ES256 key the token is bound to. */
      privateKeyPem: string
      htm: string
      htu: string
      accessToken: string
      /** Requests per second to size fills for until a run measured more. */
      initialRatePerSecond: number
    }
  | {
      /** A client assertion per request (private_key_jwt, RFC 7523): a form body each. */
      kind: 'client-assertion'
      pool: string
      /** PKCS #8 PEM of the client's RSA key (RS256). */
      privateKeyPem: string
      clientId: string
      /** The assertion's `aud`. */
      audience: string
      /** The other form fields (grant_type, audience of the token…). */
      form: Record<string, string>
      initialRatePerSecond: number
    }

/** One load run, as the load worker takes it over IPC. */
export interface LoadJob {
  /** Origin and path, e.g. `http://127.0.0.1:4321/resource`. */
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** Each request takes the next one, round robin across all connections. */
  authorizations?: string[]
  /** Each request takes the next path (with its query string), round robin. */
  paths?: string[]
  /** Each request takes the next body, round robin. */
  bodies?: string[]
  connections: number
  warmupSeconds: number
  durationSeconds: number
  /** Each request takes a fresh value of this pool (see `FreshSpec`). */
  fresh?: { pool: string }
  /** Stop after this many requests instead of after `durationSeconds` (a warm-up pass). */
  amount?: number
}

/** What the measured part of a run gave (the warm-up is discarded). */
export interface LoadResult {
  /** Mean of the per-second request counts. */
  requestsPerSecond: number
  /** Milliseconds. */
  p50: number
  p99: number
  total: number
  non2xx: number
  /** Connection errors, timeouts included. */
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
  /** With `fresh`: values the pool lacked, made during the run (each still sent once only). */
  madeDuringRun?: number
}
