import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { devTenantFile } from '@m2m/auth-server'
import { type LocalTenant, startLocalTenant } from '@m2m/auth-server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../src/index.js'
import { runInProcess } from './helpers/run-cli.js'

/**
 * A Deploy CLI export (the Deploy CLI's own e2e export, kept with its licence
 * in apps/auth-server/test/fixtures/deploy-cli) has no client secrets: the
 * local tenant generates them into DATA_DIR/client-secrets.env, which
 * `m2m token --env-file … --profile <CLIENT NAME>` reads as it is.
 */
const EXPORT = resolve(
  dirname(devTenantFile),
  '../../test/fixtures/deploy-cli/e2e/lots-of-configuration/tenant.yaml',
)

let dataDir: string
let tenant: LocalTenant
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'm2m-export-'))
  tenant = await startLocalTenant({ tenant: EXPORT, dataDir })
})
afterAll(async () => {
  await tenant?.close()
  await rm(dataDir, { recursive: true, force: true })
})

describe('m2m token on a Deploy CLI export', () => {
  it("gets a token for the export's Management API with the generated client-secrets.env", async () => {
    const result = await runInProcess(
      [
        'token',
        '--decode',
        '--env-file',
        join(dataDir, 'client-secrets.env'),
        '--profile',
        'API_EXPLORER_APPLICATION',
        '--audience',
        'https://auth0-deploy-cli-e2e.us.auth0.com/api/v2/',
      ],
      { env: { ISSUER_BASE_URL: tenant.issuer } },
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(ExitCode.OK)
    const claims = JSON.parse(result.stdout)
    expect(claims.aud).toBe(`${tenant.issuer}api/v2/`)
    expect(claims.scope.split(' ')).toContain('read:users')
  })
})
