import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createActionRunner } from '../src/actions/action-runner.js'
import type { CredentialsExchangeAction } from '../src/tenant/model.js'

/**
 * Actions run as Auth0 runs them ("Actions Limitations" in Auth0's docs): npm
 * packages only when declared, no file system or processes, no environment,
 * `api.cache` with its limits shared by the trigger, 20 seconds for a flow.
 */

const SANDBOX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'actions', 'sandbox')

const action = (
  file: string,
  extra: Partial<CredentialsExchangeAction> = {},
): CredentialsExchangeAction => ({
  name: file,
  modulePath: join(SANDBOX, file),
  secrets: {},
  dependencies: [],
  ...extra,
})

const event = {
  client: { client_id: 'c1', name: 'Client', metadata: {} },
  resource_server: { identifier: 'urn:api' },
  request: {
    body: {},
    ip: '127.0.0.1',
    method: 'POST',
    hostname: 'localhost',
    user_agent: undefined,
  },
  transaction: { requested_scopes: [] },
  grantedScopes: ['read:a'],
  tenant: { id: 'local' },
}

const runners: Array<ReturnType<typeof createActionRunner>> = []
function runnerOf(actions: CredentialsExchangeAction[], timeoutMs?: number) {
  const runner = createActionRunner(actions, timeoutMs)
  runners.push(runner)
  return runner
}
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()))
})

describe('what an Action may import', () => {
  it('refuses the file system and processes, in ESM and CommonJS', async () => {
    for (const [file, specifier] of [
      ['reads-file.mjs', 'node:fs'],
      ['requires-child-process.cjs', 'child_process'],
    ]) {
      const outcome = await runnerOf([action(file as string)])(event)
      expect(outcome).toMatchObject({ kind: 'failed', action: file })
      expect(outcome.kind === 'failed' && outcome.error).toContain(
        `Cannot find module '${specifier}': Actions have no file system or processes`,
      )
    }
  })

  it('allows Node modules otherwise, with an empty process.env and the secrets in the event', async () => {
    const outcome = await runnerOf([
      action('uses-crypto-and-env.mjs', { secrets: { LABEL: 'blue' } }),
    ])(event)
    expect(outcome).toEqual({
      kind: 'allow',
      customClaims: {
        'https://m2m.test/id_length': 36,
        'https://m2m.test/env_keys': 0,
        'https://m2m.test/secret': 'blue',
      },
    })
  })

  it('imports an npm package only when the Action declares it', async () => {
    const undeclared = await runnerOf([action('uses-yaml.mjs')])(event)
    expect(undeclared.kind === 'failed' && undeclared.error).toContain(
      "Cannot find module 'yaml': declare it in the Action's dependencies",
    )
    const declared = await runnerOf([action('uses-yaml.mjs', { dependencies: ['yaml'] })])(event)
    expect(declared).toEqual({ kind: 'allow', customClaims: { 'https://m2m.test/parsed': 1 } })
  })
})

describe('api.cache', () => {
  it("is the trigger's: shared by its Actions and by later exchanges", async () => {
    const run = runnerOf([action('cache-writer.mjs'), action('cache-reader.mjs')])
    const first = await run(event)
    expect(first).toMatchObject({
      kind: 'allow',
      customClaims: {
        'https://m2m.test/cache': {
          count: 1,
          long_key: 'invalid_key',
          big_value: 'value_too_large',
          far_future: 'success',
          far_capped: true,
        },
        'https://m2m.test/read': '1',
      },
    })
    const second = await run(event)
    expect(second).toMatchObject({
      customClaims: { 'https://m2m.test/cache': { count: 2 }, 'https://m2m.test/read': '2' },
    })
  })

  it('holds at most 20 entries and 8 KB', async () => {
    const outcome = await runnerOf([action('cache-filler.mjs')])(event)
    expect(outcome).toMatchObject({
      kind: 'allow',
      customClaims: {
        'https://m2m.test/codes': [...Array(20).fill('ok'), ...Array(5).fill('too_many_entries')],
        'https://m2m.test/full': ['ok', 'ok', 'cache_full'],
      },
    })
  })
})

describe('the time limit', () => {
  it('bounds the whole flow, not each Action', async () => {
    const outcome = await runnerOf(
      [action('slow.mjs'), action('slow.mjs', { name: 'slow again' })],
      250,
    )(event)
    expect(outcome).toMatchObject({ kind: 'failed', action: 'slow again' })
    expect(outcome.kind === 'failed' && outcome.error).toMatch(/timed out after \d+ ms/)
  })
})
