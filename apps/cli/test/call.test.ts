import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../src/index.js'
import { runInProcess, tempDir } from './helpers/run-cli.js'
import { startWorldMappers } from './helpers/services.js'
import { devCredentialsEnv, devKeywords, startTenant, type Tenant } from './helpers/tenant.js'

let tenant: Tenant
let worldMappers: Awaited<ReturnType<typeof startWorldMappers>>
/** A plain server that records what it was sent, to see the request the CLI makes. */
let echo: Server
let echoUrl: string
const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> =
  []

beforeAll(async () => {
  tenant = await startTenant()
  worldMappers = await startWorldMappers(tenant.issuer)
  echo = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200)
      const echoed = req.headers['x-echo']
      if (echoed) {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'bad_request', error_description: `you sent ${echoed}` }))
        return
      }
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`answered ${status}`)
    })
  })
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
  echoUrl = `http://127.0.0.1:${(echo.address() as { port: number }).port}`
})
afterAll(async () => {
  await worldMappers?.close()
  await tenant?.close()
  await new Promise((resolve) => echo?.close(resolve))
})

const env = () => ({ ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv })
const asGiftDeliveries = ['--profile', 'gift-deliveries', '--audience', 'urn:worldmappers']

describe('m2m call', () => {
  it('calls world-mappers with a token it verifies, and prints the body', async () => {
    const result = await runInProcess(['call', `${worldMappers.url}/api/me`, ...asGiftDeliveries], {
      env: env(),
    })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(JSON.parse(result.stdout).tokenPayload).toMatchObject({
      azp: 'gift-deliveries-dev',
      aud: 'urn:worldmappers',
    })
  })

  it('exits 1 on HTTP >= 400, with the body on stdout and one line on stderr', async () => {
    const url = `${worldMappers.url}/api/location/geocode?address=Paris`
    const result = await runInProcess(
      ['call', url, '--profile', 'limited-mapper', '--audience', 'urn:worldmappers'],
      { env: env() },
    )
    expect(result.code).toBe(ExitCode.REMOTE)
    expect(JSON.parse(result.stdout)).toMatchObject({ error: 'insufficient_scope' })
    expect(result.stderr).toBe(
      `m2m: GET ${url} answered 403 Forbidden: insufficient_scope: The token lacks the required scope: geocode:location\n`,
    )
  })

  it('sends -X, -H and a JSON -d body, with the bearer token', async () => {
    const result = await runInProcess(
      [
        'call',
        `${echoUrl}/things?x=1`,
        '-X',
        'put',
        '-H',
        'X-Trace: abc',
        '-d',
        '{"a":1}',
        ...asGiftDeliveries,
      ],
      { env: env() },
    )
    expect(result).toMatchObject({ code: 0, stdout: 'answered 200\n', stderr: '' })
    const request = seen.at(-1)
    expect(request).toMatchObject({ method: 'PUT', url: '/things?x=1', body: '{"a":1}' })
    expect(request?.headers).toMatchObject({
      'x-trace': 'abc',
      'content-type': 'application/json',
    })
    expect(request?.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('-d defaults the method to POST; @file and @- read the body', async () => {
    const cwd = tempDir({ 'body.json': '{"from":"file"}' })
    const fromFile = await runInProcess(
      ['call', echoUrl, '-d', '@body.json', ...asGiftDeliveries],
      {
        env: env(),
        cwd,
      },
    )
    expect(fromFile.code).toBe(0)
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"from":"file"}' })

    const fromStdin = await runInProcess(['call', echoUrl, '-d', '@-', ...asGiftDeliveries], {
      env: env(),
      stdin: '{"from":"stdin"}',
    })
    expect(fromStdin.code).toBe(0)
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"from":"stdin"}' })
  })

  it('exits 1 for a 500 too, naming the status', async () => {
    const result = await runInProcess(['call', `${echoUrl}/?status=500`, ...asGiftDeliveries], {
      env: env(),
    })
    expect(result).toMatchObject({
      code: ExitCode.REMOTE,
      stdout: 'answered 500\n',
      stderr: `m2m: GET ${echoUrl}/?status=500 answered 500 Internal Server Error\n`,
    })
  })

  const usage: Array<[string, string[], RegExp]> = [
    ['a relative URL', ['call', '/api/me'], /^m2m: <url> must be an absolute URL/],
    ['a non-http URL', ['call', 'ftp://host/x'], /^m2m: <url> must be an http\(s\) URL/],
    [
      '-d that is not JSON',
      ['call', 'http://127.0.0.1:1/', '-d', '{oops'],
      /-d\/--data is not JSON/,
    ],
    [
      'a header without a colon',
      ['call', 'http://127.0.0.1:1/', '-H', 'nocolon'],
      /-H\/--header must look like "Name: value"/,
    ],
    ['a method with a space', ['call', 'http://127.0.0.1:1/', '-X', 'GE T'], /not an HTTP method/],
    ['no URL', ['call'], /^m2m: missing required argument 'url'/],
  ]
  for (const [name, args, stderr] of usage) {
    it(`usage error (2): ${name}`, async () => {
      const result = await runInProcess([...args, ...asGiftDeliveries], { env: env() })
      expect(result.code).toBe(ExitCode.USAGE)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(stderr)
    })
  }

  it('exits 4 when the API cannot be reached (the token was fine)', async () => {
    const result = await runInProcess(['call', 'http://127.0.0.1:1/x', ...asGiftDeliveries], {
      env: env(),
    })
    expect(result).toMatchObject({
      code: ExitCode.NETWORK,
      stdout: '',
      stderr: 'm2m: could not reach http://127.0.0.1:1: ECONNREFUSED\n',
    })
  })

  it('never prints the secret, even when the server echoes it', async () => {
    const secret = devKeywords.GIFT_DELIVERIES_CLIENT_SECRET as string
    const result = await runInProcess(
      ['call', `${echoUrl}/?status=400`, '-H', `x-echo: ${secret}`, ...asGiftDeliveries],
      { env: env() },
    )
    expect(result.code).toBe(ExitCode.REMOTE)
    expect(result.stderr).toBe(
      `m2m: GET ${echoUrl}/?status=400 answered 400 Bad Request: bad_request: you sent [redacted]\n`,
    )
  })
})
