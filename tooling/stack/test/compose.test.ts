import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { TELEMETRY_VARIABLES } from '@m2m/service-kit/telemetry'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { describeServices } from '../src/services.js'
import { readStackSettings } from '../src/settings.js'
import { repoRoot } from './helpers/stack-process.js'

// .ci/run validates the file itself with `docker-compose config -q`; this
// checks that it runs the same system as `pnpm start`.

interface ComposeService {
  build?: { target?: string }
  environment?: Record<string, string>
  ports?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
}

const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>
}
const stack = describeServices(readStackSettings(repoRoot, {}))

/**
 * Every variable a service's configuration reads (`env.X`, `read*(env, 'X')`, and the helpers'
 * own): its config.ts, and the `*-config.ts` files beside it that read one group of variables.
 */
function variablesRead(service: string): Set<string> {
  const dir = join(repoRoot, 'apps', service, 'src')
  const source = readdirSync(dir)
    .filter((file) => file === 'config.ts' || file.endsWith('-config.ts'))
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n')
  const names = new Set<string>()
  for (const match of source.matchAll(/env\.([A-Z0-9_]+)|\(env, '([A-Z0-9_]+)'/g)) {
    names.add((match[1] ?? match[2]) as string)
  }
  if (source.includes('readIssuer(')) {
    names.add('ISSUER_BASE_URL')
    names.add('AUTH0_DOMAIN')
  }
  if (source.includes('readLogLevel(')) names.add('LOG_LEVEL')
  if (source.includes('readTelemetryConfig('))
    for (const name of TELEMETRY_VARIABLES) names.add(name)
  return names
}

/** `${NAME:-default}` / `${NAME:?message}` / `${NAME}` references in a string. */
function references(text: string): string[] {
  return [...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string)
}

describe('docker-compose.yml', () => {
  for (const spec of stack) {
    describe(spec.name, () => {
      const service = compose.services[spec.name] as ComposeService

      it('is built from the Dockerfile stage of the same name', () => {
        expect(service.build?.target).toBe(spec.name)
      })

      it('sets only variables the service reads', () => {
        const read = variablesRead(spec.name)
        for (const name of Object.keys(service.environment ?? {})) {
          expect(read, `${spec.name} does not read ${name}`).toContain(name)
        }
      })

      it('gives the issuer that `pnpm start` gives', () => {
        const issuer = `http://localhost:${stack[0]?.port}/`
        expect(service.environment?.ISSUER_BASE_URL).toBe(
          spec.name === 'auth-server'
            ? `http://localhost:\${AUTH_SERVER_PORT:-${stack[0]?.port}}/`
            : `\${ISSUER_BASE_URL:-${issuer}}`,
        )
        expect(spec.env.ISSUER_BASE_URL).toBe(issuer)
      })

      it('has a health check on /readyz, on the port the service listens on', () => {
        expect(service.healthcheck?.test.join(' ')).toContain(
          `http://127.0.0.1:${spec.port}/readyz`,
        )
      })
    })
  }

  it('publishes each port under the variable and default that `pnpm start` uses', () => {
    const published = (name: string) => compose.services[name]?.ports ?? []
    const [authServer, worldMappers, giftDeliveries] = stack
    expect(published('auth-server')).toEqual([
      `\${${authServer?.portVariable}:-${authServer?.port}}:${authServer?.port}`,
    ])
    expect(published('world-mappers')).toEqual([
      `\${${worldMappers?.portVariable}:-${worldMappers?.port}}:${worldMappers?.port}`,
    ])
    // gift-deliveries replicas sit behind the load balancer, which takes their port.
    expect(published('gift-deliveries')).toEqual([])
    expect(published('load-balancer')).toEqual([
      `\${${giftDeliveries?.portVariable}:-${giftDeliveries?.port}}:${giftDeliveries?.port}`,
    ])
  })

  it('starts each service only once what it calls is healthy', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, condition] of Object.entries(service.depends_on ?? {})) {
        expect(condition, `${name} -> ${dependency}`).toEqual({ condition: 'service_healthy' })
        expect(compose.services[dependency]?.healthcheck, dependency).toBeDefined()
      }
    }
    expect(Object.keys(compose.services['gift-deliveries']?.depends_on ?? {}).sort()).toEqual([
      'auth-server',
      'postgres',
      'redis',
      'world-mappers',
    ])
  })

  it('takes every variable it references from .env.example', () => {
    const example = readFileSync(join(repoRoot, '.env.example'), 'utf8')
    const defined = new Set(
      [...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1] as string),
    )
    const file = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')
    // Set only to leave the local tenant for a real one.
    const optional = new Set(['AUTH0_KEYWORD_REPLACE_MAPPINGS', 'TOKEN_ENDPOINT', 'JWKS_URI'])
    for (const name of new Set(references(file))) {
      if (!optional.has(name)) expect(defined, `${name} is not in .env.example`).toContain(name)
    }
  })
})
