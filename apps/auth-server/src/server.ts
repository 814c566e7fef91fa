import { join } from 'node:path'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { buildApp } from './app.js'
import type { AuthServerConfig } from './config.js'
import { openKeyRing } from './keys/key-ring.js'
import { CLIENT_SECRETS_ENV } from './state/client-secrets-env.js'
import { type GeneratedSecret, openTenantState } from './state/tenant-state.js'
import { loadTenantFile } from './tenant/load-tenant.js'

export interface AuthServer {
  app: FastifyInstance
  /** Secrets generated on this start for clients the tenant file gives none: show them once. */
  newSecrets: GeneratedSecret[]
  /** Sections of the tenant file that the local tenant does not read. */
  ignoredSections: string[]
  /** Where the clients' ids and secrets are listed as env lines; undefined without `dataDir`. */
  clientSecretsFile: string | undefined
}

/** Loads the tenant file, the persisted state and the signing keys, and builds the app. */
export async function createAuthServer(
  config: Pick<
    AuthServerConfig,
    'issuer' | 'tenantFile' | 'dataDir' | 'keywordMappings' | 'testControls' | 'rateLimit'
  > &
    Partial<Pick<AuthServerConfig, 'ipRateLimit' | 'managementRateLimit' | 'dpopRequireNonce'>>,
  logger?: FastifyServerOptions['loggerInstance'],
): Promise<AuthServer> {
  const loaded = await loadTenantFile(config.tenantFile, {
    keywordMappings: config.keywordMappings,
    issuer: config.issuer,
  })
  const { state, newSecrets } = await openTenantState(
    loaded.tenant,
    loaded.generatedSecrets,
    config.dataDir,
  )
  const keys = await openKeyRing(config.dataDir, { commonName: new URL(config.issuer).hostname })
  const app = await buildApp({
    issuer: config.issuer,
    state,
    keys,
    testControls: config.testControls,
    rateLimit: config.rateLimit,
    ...(config.ipRateLimit ? { ipRateLimit: config.ipRateLimit } : {}),
    ...(config.managementRateLimit ? { managementRateLimit: config.managementRateLimit } : {}),
    ...(config.dpopRequireNonce ? { dpop: { requireNonce: true } } : {}),
    ...(logger ? { logger } : {}),
  })
  return {
    app,
    newSecrets,
    ignoredSections: loaded.ignoredSections,
    clientSecretsFile: config.dataDir && join(config.dataDir, CLIENT_SECRETS_ENV),
  }
}
