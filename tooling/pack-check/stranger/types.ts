// Type-checked in the stranger's project with `tsc --noEmit` (NodeNext,
// `skipLibCheck: false`): every entry point of the packed packages resolves
// to its `.d.ts`, and those declarations resolve in turn with nothing but the
// packages' own dependencies installed.
import { AuthError, createServiceLogger } from '@m2m/auth'
import { TokenExpiredError } from '@m2m/auth/errors'
import { m2mAuth } from '@m2m/auth/fastify'
import { createBearerInterceptor } from '@m2m/auth/http'
import { hasAllScopes, parseScopes } from '@m2m/auth/scopes'
import type { TelemetryOptions } from '@m2m/auth/telemetry'
import { type AccessTokenSource, createTokenProvider } from '@m2m/auth/token'
import { createVerifier, type VerifiedToken } from '@m2m/auth/verify'
import { type AuthServer, createAuthServer } from '@m2m/auth-server'
import { type LocalTenant, startLocalTenant } from '@m2m/auth-server/testing'
import { ExitCode, runCli } from '@m2m/cli'
import { ConfigError } from '@m2m/service-kit'
import { registerTelemetry } from '@m2m/service-kit/telemetry'
import Fastify from 'fastify'
import { Agent } from 'undici'

export async function typedFlow(): Promise<string> {
  const tenant: LocalTenant = await startLocalTenant({ tenant: { clients: [] } })
  const tokens: AccessTokenSource = createTokenProvider({
    issuer: tenant.issuer,
    clientId: tenant.clientId('Stock Reader'),
    clientSecret: tenant.clientSecret('Stock Reader'),
    audience: 'urn:inventory',
  })
  const agent = new Agent().compose(createBearerInterceptor(tokens, { origins: ['http://x'] }))
  const app = Fastify({ loggerInstance: createServiceLogger({ level: 'warn' }) })
  await app.register(m2mAuth, { issuer: tenant.issuer, audience: 'urn:inventory' })
  // request.auth comes from @m2m/auth/fastify's augmentation of FastifyRequest.
  app.get('/stock', { config: { scopes: ['read:stock'] } }, async (request) => ({
    client: request.auth?.clientId ?? null,
    reads: request.auth ? hasAllScopes(request.auth.scopes, parseScopes('read:stock')) : false,
  }))
  const verified: VerifiedToken = await createVerifier({
    issuer: tenant.issuer,
    audience: 'urn:inventory',
  }).verify(await tenant.tokenFor('Stock Reader', 'urn:inventory'))
  const telemetry: TelemetryOptions = {}
  const server: typeof createAuthServer = createAuthServer
  const kinds: unknown[] = [AuthError, TokenExpiredError, ConfigError, registerTelemetry]
  const exit: number = ExitCode.OK
  const cli: typeof runCli = runCli
  const auth: AuthServer | undefined = undefined
  await agent.close()
  await tenant.close()
  return `${verified.claims.sub} ${kinds.length} ${exit} ${typeof cli} ${typeof server} ${auth} ${telemetry}`
}
