import { createVerifier } from '@m2m/auth/verify'
import { createAuthServer, devTenantFile } from '@m2m/auth-server'
import { readTenantKeywords } from '@m2m/test-kit'

export const ISSUER = 'http://auth.test/'

const keywords = readTenantKeywords(devTenantFile)

/**
 * The real local tenant (apps/auth-server) in process, with the dev tenant:
 * tokens come from its /oauth/token and are verified against its JWKS.
 */
export async function startTenant() {
  const { app } = await createAuthServer({
    issuer: ISSUER,
    tenantFile: devTenantFile,
    dataDir: undefined,
    keywordMappings: {},
    testControls: false,
    rateLimit: { perSecond: 10_000, burst: 10_000 },
  })

  async function token(client: string, audience = 'urn:worldmappers'): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        grant_type: 'client_credentials',
        client_id: keywords[`${client}_CLIENT_ID`],
        client_secret: keywords[`${client}_CLIENT_SECRET`],
        audience,
      },
    })
    if (res.statusCode !== 200) throw new Error(`no token for ${client}: ${res.body}`)
    return res.json().access_token
  }

  const verifier = createVerifier({
    issuer: ISSUER,
    audience: 'urn:worldmappers',
    jwks: async () => (await app.inject('/.well-known/jwks.json')).json(),
  })

  return { app, token, verifier, close: async () => Promise.all([verifier.close(), app.close()]) }
}
