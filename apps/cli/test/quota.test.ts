import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stripColors } from '../src/format/colors.js'
import { ExitCode } from '../src/index.js'
import { runInProcess } from './helpers/run-cli.js'
import { devCredentialsEnv, devKeywords, startTenant, type Tenant } from './helpers/tenant.js'

let tenant: Tenant
beforeAll(async () => {
  tenant = await startTenant()
  await setQuota('limited-mapper-dev', { per_hour: 3, per_day: 50, enforce: true })
})
afterAll(async () => {
  await tenant?.close()
})

/** Sets a client's token quota through the tenant's Management API, as Tenant Admin. */
async function setQuota(clientId: string, quota: Record<string, unknown>) {
  const token = await request(`${tenant.issuer}oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: devKeywords.TENANT_ADMIN_CLIENT_ID,
      client_secret: devKeywords.TENANT_ADMIN_CLIENT_SECRET,
      audience: `${tenant.issuer}api/v2/`,
    }),
  })
  const { access_token } = (await token.body.json()) as { access_token: string }
  const res = await request(`${tenant.issuer}api/v2/clients/${clientId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
    body: JSON.stringify({ token_quota: { client_credentials: quota } }),
  })
  expect(res.statusCode).toBe(200)
  await res.body.dump()
}

const env = () => ({ ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv })
const limited = ['--profile', 'limited-mapper', '--audience', 'urn:worldmappers']

describe('m2m quota', () => {
  it('prints each bucket: remaining of limit and when it refills, the exchange itself counted', async () => {
    const result = await runInProcess(['quota', ...limited], { env: env() })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^QUOTA\s+BUCKET\s+REMAINING\s+RESETS$/)
    expect(lines[1]).toMatch(
      /^client {2}per_hour {2}2 of 3 \(66 %\) {4}in \d+ (s|min) \(\d{4}-.+Z\)$/,
    )
    expect(lines[2]).toMatch(/^client {2}per_day {3}49 of 50 \(98 %\) {2}in \d+ (s|min|h) /)
    // Columns line up.
    expect(new Set(lines.map((line) => line.search(/in \d|RESETS/))).size).toBe(1)
    expect(lines).toHaveLength(3)
  })

  it('on a terminal, a bucket under 20 % is red; NO_COLOR keeps the plain table', async () => {
    await setQuota('storefront-dev', { per_hour: 1, enforce: true })
    const storefront = ['quota', '--profile', 'storefront', '--audience', 'urn:gift-deliveries']
    const result = await runInProcess(storefront, { env: env(), tty: true })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(result.stdout).toContain('\u001b[31m0 of 1 (0 %)\u001b[39m')
    expect(stripColors(result.stdout).split('\n')[1]).toMatch(
      /^client {2}per_hour {2}0 of 1 \(0 %\) {2}in \d+ (s|min) \(/,
    )
    await setQuota('storefront-dev', { per_hour: 2, enforce: true })
    const plain = await runInProcess(storefront, { env: { ...env(), NO_COLOR: '1' }, tty: true })
    expect(plain).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(plain.stdout).toMatch(
      /^QUOTA {3}BUCKET {4}REMAINING +RESETS\nclient {2}per_hour {2}0 of 2 \(0 %\)/,
    )
  })

  it('--json prints the buckets', async () => {
    const result = await runInProcess(['quota', '--json', ...limited], { env: env() })
    expect(result.code).toBe(ExitCode.OK)
    expect(JSON.parse(result.stdout)).toEqual([
      { quota: 'client', bucket: 'per_hour', remaining: 1, limit: 3, resetAt: expect.any(String) },
      { quota: 'client', bucket: 'per_day', remaining: 48, limit: 50, resetAt: expect.any(String) },
    ])
  })

  it('says so when the tenant reports no quota for the client', async () => {
    const result = await runInProcess(
      ['quota', '--profile', 'gift-deliveries', '--audience', 'urn:worldmappers'],
      { env: env() },
    )
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(result.stdout).toBe(
      `no token quota reported by ${tenant.issuer} for this client: none is set (or enforced) for it\n`,
    )
  })

  it('a spent bucket is a token error naming the bucket and when it refills', async () => {
    await runInProcess(['quota', ...limited], { env: env() })
    const result = await runInProcess(['quota', ...limited], { env: env() })
    expect(result.code).toBe(ExitCode.AUTH)
    expect(result.stderr).toMatch(/per_hour token quota \(3\) is spent until \d{4}-/)
    expect(result.stdout).toBe('')
  })

  it('m2m logs --quota shows the consumption warnings and the refusal, and nothing else', async () => {
    const result = await runInProcess(['logs', '--quota', '--client', 'limited-mapper-dev'], {
      env: env(),
    })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    const lines = result.stdout.trimEnd().split('\n')
    const warnings = lines.filter((l) =>
      l.includes('token_quota_consumption_warning (quota warning)'),
    )
    // 2 of 3 crossed 60 and 80 % at once; the third token, 100 %.
    expect(warnings.map((l) => l.split('  ').at(-1))).toEqual([
      '60% of client per_hour quota consumed',
      '80% of client per_hour quota consumed',
      '100% of client per_hour quota consumed',
    ])
    const refusals = lines.filter((l) => l.includes('feccft (failed exchange)'))
    expect(refusals).toHaveLength(1)
    expect(refusals[0]).toMatch(/Limited Mapper \(limited-mapper-dev\) {2}Client quota exceeded$/)
    expect(lines).toHaveLength(4)
  })
})
