import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stripColors } from '../src/format/colors.js'
import { ExitCode } from '../src/index.js'
import { outputWatcher, runInProcess } from './helpers/run-cli.js'
import { devCredentialsEnv, devKeywords, startTenant, type Tenant } from './helpers/tenant.js'

let tenant: Tenant
beforeAll(async () => {
  tenant = await startTenant()
  await exchange('LIMITED_MAPPER', devKeywords.LIMITED_MAPPER_CLIENT_SECRET as string)
  await exchange('LIMITED_MAPPER', 'a-wrong-secret-for-the-log-0123456789')
})
afterAll(async () => {
  await tenant?.close()
})

/** A token request straight to the tenant, so it logs a seccft or feccft event. */
async function exchange(prefix: string, secret: string) {
  const res = await request(`${tenant.issuer}oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: devKeywords[`${prefix}_CLIENT_ID`],
      client_secret: secret,
      audience: 'urn:worldmappers',
    }),
  })
  await res.body.dump()
}

const env = () => ({ ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv })
const LINE =
  /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}(seccft|feccft) \((success|failed) exchange\) {2}.+ {2}.+$/

describe('m2m logs', () => {
  it('prints one line per exchange, oldest first, as Tenant Admin by default', async () => {
    const result = await runInProcess(['logs', '--client', 'limited-mapper-dev'], { env: env() })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(line).toMatch(LINE)
    expect(lines[0]).toContain('seccft (success exchange)  Limited Mapper (limited-mapper-dev)  ')
    expect(lines[1]).toContain(
      'feccft (failed exchange)  Limited Mapper (limited-mapper-dev)  Unauthorized',
    )
  })

  it('--json prints one event object per line; --type filters', async () => {
    const result = await runInProcess(['logs', '--json', '--type', 'feccft'], { env: env() })
    expect(result.code).toBe(ExitCode.OK)
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(events.length).toBeGreaterThanOrEqual(1)
    for (const event of events) {
      expect(event).toMatchObject({ type: 'feccft', log_id: expect.any(String) })
    }
    expect(events).toContainEqual(
      expect.objectContaining({ client_id: 'limited-mapper-dev', description: 'Unauthorized' }),
    )
  })

  it('-n limits the first page to the newest events', async () => {
    const result = await runInProcess(['logs', '-n', '1', '--json'], { env: env() })
    const events = result.stdout.trimEnd().split('\n')
    expect(events).toHaveLength(1)
    // The newest event is the Tenant Admin's own exchange for this very command.
    expect(JSON.parse(events[0] as string)).toMatchObject({
      type: 'seccft',
      client_id: 'tenant-admin-dev',
    })
  })

  it('--follow prints new events as they happen, until interrupted (exit 130)', async () => {
    const controller = new AbortController()
    const lineCount = (out: string) => out.trimEnd().split('\n').length
    const firstPage = outputWatcher((out) => lineCount(out) >= 2)
    const newEvent = outputWatcher((out) => lineCount(out) >= 3)
    const running = runInProcess(
      ['logs', '--follow', '--interval', '0.1', '--json', '--client', 'limited-mapper-dev'],
      {
        env: env(),
        signal: controller.signal,
        onStdout: (out) => {
          firstPage.onStdout(out)
          newEvent.onStdout(out)
        },
      },
    )
    await firstPage.seen
    await exchange('LIMITED_MAPPER', devKeywords.LIMITED_MAPPER_CLIENT_SECRET as string)
    await newEvent.seen
    controller.abort()
    const result = await running
    expect(result.code).toBe(ExitCode.INTERRUPTED)
    expect(result.stderr).toBe('')
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(events.map((e) => e.type)).toEqual(['seccft', 'feccft', 'seccft'])
    // Each event once: the checkpoint moved past the ones already printed.
    expect(new Set(events.map((e) => e.log_id)).size).toBe(3)
  })

  it('a client without a Management API grant gets no token (exit 3)', async () => {
    const result = await runInProcess(['logs', '--profile', 'storefront'], { env: env() })
    expect(result.code).toBe(ExitCode.AUTH)
    expect(result.stderr).toMatch(/^m2m: could not get a token: .*403: access_denied/)
  })

  it('refuses a --client that could inject a query term (exit 2)', async () => {
    const result = await runInProcess(['logs', '--client', 'x OR type:seccft'], { env: env() })
    expect(result.code).toBe(ExitCode.USAGE)
    expect(result.stderr).toMatch(/^m2m: --client must be a client id/)
  })

  it('on a terminal: a header, aligned columns, relative times, the type by name in colour', async () => {
    const result = await runInProcess(['logs', '--client', 'limited-mapper-dev'], {
      env: env(),
      tty: true,
      now: () => Date.now() + 5 * 60_000,
    })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    const lines = stripColors(result.stdout).trimEnd().split('\n')
    expect(lines[0]).toMatch(/^WHEN +TYPE +CLIENT +DESCRIPTION$/)
    expect(lines.length).toBeGreaterThanOrEqual(3)
    for (const line of lines.slice(1)) {
      expect(line).toMatch(
        /^\d min ago {2,}(success|failed) exchange {2,}Limited Mapper \(limited-mapper-dev\) {2}\S/,
      )
    }
    // Every column starts where its header does.
    for (const column of ['TYPE', 'CLIENT', 'DESCRIPTION']) {
      const at = (lines[0] as string).indexOf(column)
      for (const line of lines) expect(line.slice(at - 2, at)).toBe('  ')
      for (const line of lines) expect(line[at]).not.toBe(' ')
    }
    expect(result.stdout).toContain('\u001b[31mfailed exchange\u001b[39m')
    expect(result.stdout).toContain('\u001b[32msuccess exchange\u001b[39m')
  })

  it('on a terminal --json is still one event per line, uncoloured', async () => {
    const result = await runInProcess(['logs', '--json', '--client', 'limited-mapper-dev'], {
      env: env(),
      tty: true,
    })
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(events.map((e) => e.client_id)).toContain('limited-mapper-dev')
  })

  it('on a terminal, no events says so', async () => {
    const result = await runInProcess(['logs', '--client', 'nobody-dev'], { env: env(), tty: true })
    expect(result).toMatchObject({ code: ExitCode.OK, stdout: 'no log events\n', stderr: '' })
  })
})
