import { readFileSync } from 'node:fs'
import { freePort } from '@m2m/test-kit'
import type { FastifyServerOptions } from 'fastify'
import { devTenantFile } from '../../src/config.js'
import { createAuthServer } from '../../src/server.js'

/** The dev tenant's local-only credentials, by client name. */
export const devKeywords = JSON.parse(
  readFileSync(new URL('../../tenants/dev/keywords.json', import.meta.url), 'utf8'),
) as Record<string, string>

export function devClient(prefix: string) {
  return {
    clientId: devKeywords[`${prefix}_CLIENT_ID`] as string,
    clientSecret: devKeywords[`${prefix}_CLIENT_SECRET`] as string,
  }
}

/**
 * The real auth server with the dev tenant, listening on 127.0.0.1 (the
 * issuer must be known before the app is built, so a free port is picked first).
 */
export async function startLiveAuthServer(
  options: { testControls?: boolean; logger?: FastifyServerOptions['loggerInstance'] } = {},
) {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}/`
  const { app } = await createAuthServer(
    {
      issuer,
      tenantFile: devTenantFile,
      dataDir: undefined,
      keywordMappings: {},
      testControls: options.testControls ?? true,
      rateLimit: { perSecond: 10_000, burst: 10_000 },
      ipRateLimit: { perSecond: 10_000, burst: 10_000 },
      managementRateLimit: { perSecond: 10_000, burst: 10_000 },
    },
    options.logger,
  )
  await app.listen({ port, host: '127.0.0.1' })
  return { app, issuer, port, close: () => app.close() }
}
