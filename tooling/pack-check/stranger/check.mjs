// Runs in a project outside the workspace where the packed @m2m tarballs were
// installed with npm: plain Node, no TypeScript, no `@m2m/source` condition.
// The local tenant (`@m2m/auth-server/testing`), a Fastify API behind
// `@m2m/auth/fastify`, callers on `@m2m/auth/token` + `@m2m/auth/http`, and the
// `m2m` CLI from node_modules/.bin. Prints one `ok` line per expectation met;
// the first one that fails throws (exit code 1).
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { m2mAuth } from '@m2m/auth/fastify'
import { createBearerInterceptor } from '@m2m/auth/http'
import { createTokenProvider } from '@m2m/auth/token'
import { startLocalTenant } from '@m2m/auth-server/testing'
import Fastify from 'fastify'
import { Agent, request } from 'undici'

const here = dirname(fileURLToPath(import.meta.url))
const AUDIENCE = 'urn:inventory'
const ok = (what) => console.log(`ok ${what}`)

// The packages resolve to their built code: nothing here could run TypeScript.
for (const entry of ['@m2m/auth/token', '@m2m/auth-server/testing', '@m2m/cli']) {
  const resolved = fileURLToPath(import.meta.resolve(entry))
  assert.match(resolved, /[/\\]node_modules[/\\]@m2m[/\\][^/\\]+[/\\]dist[/\\].+\.js$/, entry)
}
ok(`node ${process.version}: @m2m packages resolve to node_modules/@m2m/*/dist/*.js`)

const tenantDocument = JSON.parse(await readFile(join(here, 'tenant.json'), 'utf8'))
const tenant = await startLocalTenant({ tenant: tenantDocument })
ok(`local tenant at ${tenant.issuer}`)

const api = Fastify()
await api.register(m2mAuth, { issuer: tenant.issuer, audience: AUDIENCE })
api.get('/stock', { config: { scopes: ['read:stock'] } }, async () => ({
  items: [{ sku: 'gift-wrap', count: 12 }],
}))
api.post('/stock', { config: { scopes: ['write:stock'] } }, async (req) => ({ stored: req.body }))
await api.listen({ host: '127.0.0.1', port: 0 })
const origin = `http://127.0.0.1:${api.server.address().port}`

const callers = []
function caller(client) {
  const tokens = createTokenProvider({
    issuer: tenant.issuer,
    clientId: tenant.clientId(client),
    clientSecret: tenant.clientSecret(client),
    audience: AUDIENCE,
  })
  const dispatcher = new Agent().compose(createBearerInterceptor(tokens, { origins: [origin] }))
  callers.push({ tokens, dispatcher })
  return dispatcher
}

async function call(dispatcher, method, body) {
  const res = await request(`${origin}/stock`, {
    method,
    ...(dispatcher ? { dispatcher } : {}),
    ...(body
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  })
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() }
}

/** `m2m <args>` from node_modules/.bin, its `#!/usr/bin/env node` finding this Node first. */
function m2m(bin, args, env = {}) {
  const path = [join(here, 'node_modules', '.bin'), dirname(process.execPath), process.env.PATH]
  return new Promise((resolve) => {
    execFile(
      join(here, 'node_modules', '.bin', bin),
      args,
      { cwd: here, env: { ...process.env, PATH: path.join(':'), ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

/**
 * `m2m-tenant` on a free port: its banner's one-time link signs in to the
 * dashboard, whose pages and scripts ship in the tarball.
 */
async function checkStandaloneDashboard() {
  const path = [join(here, 'node_modules', '.bin'), dirname(process.execPath), process.env.PATH]
  const child = spawn(
    join(here, 'node_modules', '.bin', 'm2m-tenant'),
    ['--tenant', 'tenant.json', '--port', '0', '--data-dir', '.m2m-tenant'],
    { cwd: here, env: { ...process.env, PATH: path.join(':') }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    stdout += chunk
  })
  try {
    const deadline = Date.now() + 30_000
    while (!stdout.includes('Ctrl-C')) {
      assert.ok(Date.now() < deadline, `m2m-tenant never said it was ready:\n${stdout}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const link = stdout.match(/sign in once with (http:\/\/\S+)\)/)?.[1]
    assert.ok(link, `no dashboard link in the banner:\n${stdout}`)
    const signIn = await request(link)
    assert.equal(signIn.statusCode, 303)
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]
    await signIn.body.dump()
    const base = new URL(link).origin
    const overview = await request(`${base}/dashboard`, { headers: { cookie } })
    assert.equal(overview.statusCode, 200)
    assert.match(await overview.body.text(), /<h1>Overview<\/h1>/)
    for (const asset of ['dashboard.js', 'dashboard.css', 'live-log.js', 'try-it.js']) {
      const answer = await request(`${base}/dashboard/assets/${asset}`)
      assert.equal(answer.statusCode, 200, asset)
      await answer.body.dump()
    }
    ok('m2m-tenant: its one-time link signs in to /dashboard, whose scripts and styles ship')
  } finally {
    child.kill('SIGTERM')
  }
  assert.equal(await exited, 0)
}

try {
  const anonymous = await call(undefined, 'GET')
  assert.equal(anonymous.status, 401)
  assert.match(anonymous.headers['www-authenticate'], /^Bearer realm="urn:inventory"/)
  ok('GET /stock without a token: 401 with a Bearer challenge')

  const reader = caller('Stock Reader')
  const read = await call(reader, 'GET')
  assert.equal(read.status, 200, JSON.stringify(read.body))
  assert.deepEqual(read.body, { items: [{ sku: 'gift-wrap', count: 12 }] })
  ok('GET /stock as Stock Reader (read:stock) through @m2m/auth/token + @m2m/auth/http: 200')

  const refused = await call(reader, 'POST', { sku: 'gift-wrap', count: 11 })
  assert.equal(refused.status, 403, JSON.stringify(refused.body))
  assert.equal(refused.body.error, 'insufficient_scope')
  assert.match(refused.headers['www-authenticate'], /error="insufficient_scope"/)
  ok('POST /stock as Stock Reader (no write:stock): 403 insufficient_scope')

  const keeper = caller('Stock Keeper')
  const written = await call(keeper, 'POST', { sku: 'gift-wrap', count: 11 })
  assert.equal(written.status, 200, JSON.stringify(written.body))
  assert.deepEqual(written.body, { stored: { sku: 'gift-wrap', count: 11 } })
  ok('POST /stock as Stock Keeper (read:stock write:stock): 200')

  // The CLI with its credentials in the environment, as a shell would give them.
  const as = (client) => ({
    ISSUER_BASE_URL: tenant.issuer,
    AUTH0_CLIENT_ID: tenant.clientId(client),
    AUTH0_CLIENT_SECRET: tenant.clientSecret(client),
    AUTH0_AUDIENCE: AUDIENCE,
  })
  const cliRead = await m2m('m2m', ['call', `${origin}/stock`], as('Stock Reader'))
  assert.equal(cliRead.code, 0, cliRead.stderr)
  assert.match(cliRead.stdout, /gift-wrap/)
  ok('m2m call GET /stock as Stock Reader: exit 0, the body on stdout')

  const data = JSON.stringify({ sku: 'gift-wrap', count: 10 })
  const cliRefused = await m2m('m2m', ['call', `${origin}/stock`, '-d', data], as('Stock Reader'))
  assert.equal(cliRefused.code, 1, `exit ${cliRefused.code}: ${cliRefused.stderr}`)
  assert.match(cliRefused.stdout, /insufficient_scope/)
  assert.match(cliRefused.stderr, /403/)
  ok('m2m call POST /stock as Stock Reader: 403, exit 1')

  const cliWrite = await m2m('m2m', ['call', `${origin}/stock`, '-d', data], as('Stock Keeper'))
  assert.equal(cliWrite.code, 0, cliWrite.stderr)
  assert.match(cliWrite.stdout, /stored/)
  ok('m2m call POST /stock as Stock Keeper: exit 0')

  const cliNoToken = await m2m('m2m', ['call', `${origin}/stock`], {
    ...as('Stock Reader'),
    AUTH0_CLIENT_SECRET: 'not-the-secret',
  })
  assert.equal(cliNoToken.code, 3, `exit ${cliNoToken.code}: ${cliNoToken.stderr}`)
  ok('m2m call with a wrong client secret: no token, exit 3')

  const check = await m2m('m2m', ['tenant', 'check', 'tenant.json'])
  assert.equal(check.code, 0, check.stderr + check.stdout)
  ok('m2m tenant check tenant.json: exit 0 (the CLI loads @m2m/auth-server)')

  const { version } = JSON.parse(
    await readFile(join(here, 'node_modules', '@m2m', 'auth-server', 'package.json'), 'utf8'),
  )
  const standalone = await m2m('m2m-tenant', ['--version'])
  assert.equal(standalone.code, 0, standalone.stderr)
  assert.match(standalone.stdout, new RegExp(version.replaceAll('.', '\\.')))
  ok(`m2m-tenant --version: ${standalone.stdout.trim()}`)

  await checkStandaloneDashboard()
} finally {
  for (const { tokens, dispatcher } of callers) {
    await dispatcher.close()
    await tokens.close()
  }
  await api.close()
  await tenant.close()
}
