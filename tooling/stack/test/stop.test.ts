import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '@m2m/test-kit'
import { afterEach, describe, expect, it } from 'vitest'
import { readStackSettings } from '../src/settings.js'
import { type RunningStack, startStack } from '../src/stack.js'

// Stand-ins for the three services: a /readyz server each, and on SIGTERM
// what the case says. The real services exit 0 once their in-flight requests
// are done (packages/service-kit exitGracefully), 1 past their own grace.
const onSigterm = {
  clean: 'server.close(() => process.exit(0))',
  failing: 'process.exit(1)',
  stuck: '/* ignores it: SIGKILL after the grace period */',
} as const

type Behaviour = keyof typeof onSigterm

function fakeService(behaviour: Behaviour): string {
  return `import { createServer } from 'node:http'
const server = createServer((req, res) => res.end(req.url === '/readyz' ? 'ok' : ''))
server.listen(Number(process.env.PORT), process.env.HOST)
process.on('SIGTERM', () => { ${onSigterm[behaviour]} })
`
}

let root: string | undefined
let running: RunningStack | undefined
afterEach(async () => {
  running?.kill()
  if (root) await rm(root, { recursive: true, force: true })
})

async function stackOf(
  behaviours: Record<'auth-server' | 'world-mappers' | 'gift-deliveries', Behaviour>,
) {
  root = await mkdtemp(join(tmpdir(), 'm2m-stack-stop-'))
  await writeFile(join(root, 'package.json'), '{ "type": "module" }\n')
  for (const [name, behaviour] of Object.entries(behaviours)) {
    await mkdir(join(root, 'apps', name, 'dist'), { recursive: true })
    await writeFile(join(root, 'apps', name, 'dist/main.js'), fakeService(behaviour))
  }
  const settings = readStackSettings(root, {
    AUTH_SERVER_PORT: String(await freePort()),
    WORLD_MAPPERS_PORT: String(await freePort()),
    GIFT_DELIVERIES_PORT: String(await freePort()),
  })
  const said: string[] = []
  const stack = await startStack({
    settings,
    mode: 'built',
    writeLine: () => {},
    say: (message) => said.push(message),
    readyTimeoutMs: 10_000,
    stopGraceMs: 500,
  })
  running = stack
  await stack.ready
  return { stack, said }
}

describe('the exit code of a stop (what `pnpm start` exits with after Ctrl-C)', () => {
  it('is 0 when every service stops cleanly', async () => {
    const { stack, said } = await stackOf({
      'auth-server': 'clean',
      'world-mappers': 'clean',
      'gift-deliveries': 'clean',
    })
    expect(await stack.stop()).toBe(0)
    expect(await stack.done).toBe(0)
    expect(said).toEqual([])
  })

  it('is 1, naming the service, when one exits with an error', async () => {
    const { stack, said } = await stackOf({
      'auth-server': 'clean',
      'world-mappers': 'failing',
      'gift-deliveries': 'clean',
    })
    expect(await stack.stop()).toBe(1)
    expect(said).toEqual(['world-mappers did not stop cleanly (exit 1)'])
  })

  it('is 1 when one had to be killed after the grace period', async () => {
    const { stack, said } = await stackOf({
      'auth-server': 'clean',
      'world-mappers': 'clean',
      'gift-deliveries': 'stuck',
    })
    expect(await stack.stop()).toBe(1)
    expect(said).toEqual(['gift-deliveries did not stop cleanly (SIGKILL)'])
  })
})
