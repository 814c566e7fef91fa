import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunningStack, StackError, startStack, storefrontCredentials } from '@m2m/stack'
import { freePort } from '@m2m/test-kit'
import { parseSoakArgs, type SoakOptions, USAGE, UsageError } from './args.js'
import { runLoad } from './load.js'
import { sampleMemory } from './memory.js'
import { buildReport, formatReport } from './report.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')

const say = (message: string) => process.stderr.write(`soak: ${message}\n`)

async function json(
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) })
  return {
    status: response.status,
    body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
  }
}

async function soak(
  options: SoakOptions,
  stack: RunningStack,
  ports: { authServer: number; giftDeliveries: number },
) {
  const tenant = `http://127.0.0.1:${ports.authServer}`
  const gifts = `http://127.0.0.1:${ports.giftDeliveries}`
  const credentials = storefrontCredentials(root, process.env)
  const issued = await json(`${tenant}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      audience: 'urn:gift-deliveries',
    }),
  })
  const token = issued.body.access_token
  if (typeof token !== 'string')
    throw new Error(`the tenant gave the Storefront no token (${issued.status})`)
  // One delivery end to end before measuring: the M2M token is fetched and cached, the paths are warm.
  const first = await json(`${gifts}/deliveries`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      recipient: { name: 'Soak warm-up' },
      gift: { description: 'A soak-test gift' },
      destination: 'London',
    }),
  })
  if (first.status !== 201 || typeof first.body.id !== 'string') {
    throw new Error(
      `the warm-up delivery was not planned (${first.status} ${JSON.stringify(first.body)})`,
    )
  }

  const memory = sampleMemory(
    stack.services.map((service) => ({
      service: service.spec.name,
      pid: service.child.pid as number,
    })),
    1_000,
    (options.durationS * 1_000) / 2,
  )
  say(`${options.durationS} s of load, ${options.connections} connections, against ${gifts}`)
  const figures = await runLoad({
    url: gifts,
    token,
    deliveryId: first.body.id,
    durationS: options.durationS,
    connections: options.connections,
  })
  return buildReport(figures, memory.finish())
}

async function main(): Promise<number> {
  let options: SoakOptions
  try {
    options = parseSoakArgs(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`soak: ${error.message}\n\n${USAGE}`)
    return 2
  }
  if (options.help) {
    process.stdout.write(USAGE)
    return 0
  }

  const ports = {
    authServer: await freePort(),
    worldMappers: await freePort(),
    giftDeliveries: await freePort(),
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'm2m-soak-'))
  // The last lines of each service, shown if something goes wrong.
  const tail: string[] = []
  let stack: RunningStack | undefined
  try {
    stack = await startStack({
      settings: {
        root,
        host: '127.0.0.1',
        ports,
        authServerDataDir: '',
        giftDeliveriesDataDir: dataDir,
        logLevel: 'warn',
        giftDeliveriesClientAuth: 'client_secret',
        requireDpop: false,
      },
      mode: 'built',
      writeLine: (service, line) => {
        tail.push(`${service} | ${line}`)
        if (tail.length > 40) tail.shift()
      },
      say,
    })
    const running = stack
    process.on('exit', () => running.kill())
    await stack.ready
    say('the stack is up')
    const report = await soak(options, stack, ports)
    process.stdout.write(`${formatReport(report)}\n${JSON.stringify(report, null, 2)}\n`)
    if (options.jsonPath) writeFileSync(options.jsonPath, `${JSON.stringify(report, null, 2)}\n`)
    if (!report.ok && tail.length > 0) say(`the services' last lines:\n${tail.join('\n')}`)
    return report.ok ? 0 : 1
  } catch (error) {
    say(error instanceof StackError ? error.message : ((error as Error).stack ?? String(error)))
    if (tail.length > 0) say(`the services' last lines:\n${tail.join('\n')}`)
    return 1
  } finally {
    await stack?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

process.exit(await main())
