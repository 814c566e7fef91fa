import { createServer } from 'node:http'
import { describe, expect, it } from 'vitest'
import { checkEndpoint } from '../src/checks/endpoint-check.js'
import { tamperToken } from '../src/checks/tamper.js'
import { describeTarget, ratio, renderMarkdown, renderText } from '../src/runner/format.js'
import { parseSettings } from '../src/runner/settings.js'
import { target } from '../src/runner/types.js'

const token = [
  Buffer.from('{"alg":"RS256","typ":"JWT","kid":"k"}').toString('base64url'),
  Buffer.from('{"sub":"device@clients","azp":"device"}').toString('base64url'),
  'c2lnbmF0dXJl',
].join('.')

describe('settings', () => {
  it('full by default, quick with --quick, scenarios with --only', () => {
    expect(parseSettings([])).toMatchObject({ quick: false, durationSeconds: 6, fleetSize: 10_000 })
    expect(parseSettings(['--quick', '--only', '1,3'])).toMatchObject({
      quick: true,
      durationSeconds: 1,
      only: ['1', '3'],
    })
    expect(parseSettings(['--', '--duration=3']).durationSeconds).toBe(3)
  })

  for (const [args, message] of [
    [['--duration', '0.5'], '--duration: whole seconds'],
    [['--only', ''], '--only: give scenario ids'],
    [['--fast'], 'unknown argument --fast'],
  ] as const) {
    it(`refuses ${args.join(' ')}`, () => {
      expect(() => parseSettings(args)).toThrow(message)
    })
  }
})

describe('tables and targets', () => {
  it('aligns text columns and renders markdown', () => {
    const table = {
      title: 'T',
      columns: ['variant', 'req/s'],
      rows: [
        ['a', '1'],
        ['bbb', '22'],
      ],
    }
    expect(renderText(table)).toBe(
      'T\nvariant  req/s\n-------  -----\na            1\nbbb         22',
    )
    expect(renderMarkdown(table)).toContain('| --- | ---: |')
  })

  it('ratios and targets: at least, exactly, and a missing figure never meets', () => {
    expect(ratio(95, 100)).toBe('0.95x')
    expect(ratio(1_230, 100)).toBe('12.3x')
    expect(ratio(1, 0)).toBe('-')
    expect(target('r', 0.96, 0.95).met).toBe(true)
    expect(target('r', Number.NaN, 0.95).met).toBe(false)
    expect(target('n', 2, 1, 'exactly').met).toBe(false)
    expect(describeTarget(target('n', 1, 1, 'exactly'))).toBe('met     n: 1 (target exactly 1)')
  })
})

describe('the accept/reject check', () => {
  const serve = async (answer: (authorization: string | undefined) => number) => {
    const server = createServer((req, res) => {
      res.statusCode = answer(req.headers.authorization)
      res.end('{"hello":"world"}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) }
  }

  it('tampering keeps header and signature and changes the subject', () => {
    const [header, payload, signature] = tamperToken(token).split('.')
    expect(header).toBe(token.split('.')[0])
    expect(signature).toBe(token.split('.')[2])
    expect(JSON.parse(Buffer.from(payload as string, 'base64url').toString()).sub).toBe(
      'attacker@clients',
    )
  })

  for (const [name, answer, error] of [
    ['accepts anything', () => 200, 'tampered token: expected 401, got 200'],
    ['refuses everything', () => 401, 'valid token: expected 200, got 401'],
    [
      'accepts no token',
      (auth: string | undefined) => (auth === `Bearer ${token}` || !auth ? 200 : 401),
      'no token: expected 401, got 200',
    ],
  ] as const) {
    it(`fails a server that ${name}`, async () => {
      const server = await serve(answer)
      try {
        await expect(checkEndpoint({ url: server.url, token })).rejects.toThrow(error)
      } finally {
        await server.close()
      }
    })
  }

  it('passes a server that accepts exactly the valid token, and checks the body', async () => {
    const server = await serve((auth) => (auth === `Bearer ${token}` ? 200 : 401))
    try {
      await expect(
        checkEndpoint({ url: server.url, token, body200: '{"hello":"world"}' }),
      ).resolves.toBeUndefined()
      await expect(checkEndpoint({ url: server.url, token, body200: '{}' })).rejects.toThrow(
        'expected the body',
      )
    } finally {
      await server.close()
    }
  })
})

describe('CPU time of another process', () => {
  it('reads user + system time from /proc on Linux, in microseconds', async () => {
    const { processCpuMicros } = await import('../src/runner/cpu-time.js')
    const before = await processCpuMicros(process.pid)
    if (process.platform !== 'linux') return expect(before).toBeUndefined()
    // Burn 30 ms of CPU (counted by this process, not by the clock): /proc counts 10 ms ticks.
    const start = process.cpuUsage()
    while (process.cpuUsage(start).user < 30_000) {
      // busy
    }
    const after = (await processCpuMicros(process.pid)) as number
    expect(after).toBeGreaterThan(before as number)
    expect(await processCpuMicros(2 ** 22 + 1)).toBeUndefined()
  })
})
