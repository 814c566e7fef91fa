import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { describeServices } from '../src/services.js'
import { readStackSettings } from '../src/settings.js'
import { repoRoot } from './helpers/stack-process.js'

// The observability profile of docker-compose.yml, checked offline: no engine
// here, so what the containers would read is read by this test instead.

interface ComposeService {
  image?: string
  profiles?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  depends_on?: Record<string, { condition: string }>
}

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8')
const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> }
const stack = describeServices(readStackSettings(repoRoot, {}))
const PROFILE = ['otel-collector', 'prometheus', 'grafana']

/** The host file or folder a service mounts at `target`. */
function mounted(service: string, target: string): string {
  const volume = compose.services[service]?.volumes?.find((v) => v.split(':')[1] === target)
  if (!volume) throw new Error(`${service} mounts nothing at ${target}`)
  return (volume.split(':')[0] as string).replace(/^\.\//, '')
}

describe('the observability profile', () => {
  it('adds the collector, Prometheus and Grafana, and only with --profile observability', () => {
    for (const name of PROFILE) {
      expect(compose.services[name]?.profiles, name).toEqual(['observability'])
      // A pinned image: a dashboard that worked keeps working.
      expect(compose.services[name]?.image, name).toMatch(/:[\w.-]+$/)
    }
    expect(compose.services['otel-collector']?.image).toMatch(
      /^otel\/opentelemetry-collector-contrib:/,
    )
    for (const [name, service] of Object.entries(compose.services)) {
      if (PROFILE.includes(name)) continue
      expect(service.profiles, name).toBeUndefined()
      // Nothing outside the profile waits for it.
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(PROFILE, `${name} -> ${dependency}`).not.toContain(dependency)
      }
    }
  })

  it('gives the services OTEL_EXPORTER_OTLP_ENDPOINT from .env, empty by default', () => {
    for (const spec of stack) {
      expect(compose.services[spec.name]?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, spec.name).toBe(
        `\${OTEL_EXPORTER_OTLP_ENDPOINT:-}`,
      )
    }
    expect(read('.env.example')).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT=$/m)
    // The value the comments give is the collector's OTLP/HTTP receiver.
    expect(read('.env.example')).toContain('OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318')
  })

  it('has Prometheus scrape every service’s /metrics on the port it listens on', () => {
    const config = parse(read(mounted('prometheus', '/etc/prometheus/prometheus.yml'))) as {
      scrape_configs: Array<{
        job_name: string
        metrics_path?: string
        static_configs?: Array<{ targets: string[] }>
        dns_sd_configs?: Array<{ names: string[]; type: string; port: number }>
      }>
    }
    for (const spec of stack) {
      const job = config.scrape_configs.find((j) => j.job_name === spec.name)
      expect(job, spec.name).toBeDefined()
      expect(job?.metrics_path ?? '/metrics').toBe('/metrics')
      const targets = [
        ...(job?.static_configs ?? []).flatMap((c) => c.targets),
        ...(job?.dns_sd_configs ?? []).flatMap((c) => c.names.map((n) => `${n}:${c.port}`)),
      ]
      expect(targets, spec.name).toEqual([`${spec.name}:${spec.port}`])
    }
    // Replicas of gift-deliveries are found by name, each its own instance.
    const gifts = config.scrape_configs.find((j) => j.job_name === 'gift-deliveries')
    expect(gifts?.dns_sd_configs?.[0]?.type).toBe('A')
    const collector = config.scrape_configs.find((j) => j.job_name === 'otel-collector')
    expect(collector?.static_configs?.[0]?.targets).toEqual(['otel-collector:8889'])
  })

  it('has a collector config with an OTLP receiver on 4318 and the prometheus exporter Prometheus scrapes', () => {
    const config = parse(read(mounted('otel-collector', '/etc/otelcol-contrib/config.yaml'))) as {
      receivers: { otlp: { protocols: { http: { endpoint: string }; grpc?: unknown } } }
      exporters: Record<string, { endpoint?: string }>
      service: { pipelines: Record<string, { receivers: string[]; exporters: string[] }> }
    }
    expect(config.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318')
    expect(config.exporters.prometheus?.endpoint).toBe('0.0.0.0:8889')
    expect(config.service.pipelines.metrics).toMatchObject({
      receivers: ['otlp'],
      exporters: ['prometheus'],
    })
    expect(config.service.pipelines.traces?.receivers).toEqual(['otlp'])
    // Every exporter a pipeline names is configured.
    for (const pipeline of Object.values(config.service.pipelines)) {
      for (const exporter of pipeline.exporters) expect(config.exporters).toHaveProperty(exporter)
    }
  })

  it('provisions Grafana with the Prometheus datasource and the dashboards folder it mounts', () => {
    const provisioning = mounted('grafana', '/etc/grafana/provisioning')
    const datasources = parse(read(`${provisioning}/datasources/prometheus.yaml`)) as {
      datasources: Array<{ uid: string; type: string; url: string }>
    }
    expect(datasources.datasources).toMatchObject([
      { uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' },
    ])
    const providers = parse(read(`${provisioning}/dashboards/m2m.yaml`)) as {
      providers: Array<{ options: { path: string } }>
    }
    expect(providers.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards')
    expect(mounted('grafana', '/var/lib/grafana/dashboards')).toBe(
      'observability/grafana/dashboards',
    )
    for (const panel of dashboard().panels) {
      for (const target of panel.targets)
        expect(target.datasource.uid, panel.title).toBe('prometheus')
    }
  })

  it('has panels for what issue 19 asks to see', () => {
    const queried = dashboardMetrics()
    for (const name of [
      'm2m_token_exchanges_total',
      'm2m_token_cache_lookups_total',
      'm2m_token_quota_remaining',
      'm2m_tenant_quota_remaining',
      'm2m_http_server_auth_rejections_total',
      'deliveries',
      'http_server_request_duration_seconds_bucket',
      'm2m_jwt_verifications_total',
    ]) {
      expect(queried).toContain(name)
    }
  })

  // The dashboard's names are Prometheus names; the code registers OpenTelemetry
  // names (`m2m.token.exchanges`, unit `s`): Prometheus adds `_total` to counters,
  // the unit (`_seconds`) and `_bucket`/`_count`/`_sum` to histograms.
  const registered = instrumentNames()
  for (const metric of dashboardMetrics()) {
    it(`queries ${metric}, a metric the code registers`, () => {
      const base = metric.replace(/_(bucket|count|sum)$/, '').replace(/_total$/, '')
      const candidates = [base, base.replace(/_(seconds|bytes|ratio)$/, '')]
      expect(
        candidates.some((name) => registered.has(name)),
        `${metric}: none of ${candidates.join(', ')} is an instrument name in packages/*/src or apps/*/src`,
      ).toBe(true)
    })
  }

  it.skipIf(!hasDockerCompose())('is a valid compose file with the profile on', () => {
    execFileSync(
      'docker-compose',
      [
        '--env-file',
        '.env.example',
        '-f',
        'docker-compose.yml',
        '--profile',
        'observability',
        'config',
        '-q',
      ],
      { cwd: repoRoot, stdio: 'pipe' },
    )
  })
})

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string; datasource: { uid: string } }> }>
}

function dashboard(): Dashboard {
  return JSON.parse(read(`${mounted('grafana', '/var/lib/grafana/dashboards')}/m2m.json`))
}

/**
 * The metric names the dashboard's queries select: what is left of a query
 * without its label matchers, ranges and grouping clauses, less function
 * calls and PromQL's keywords.
 */
function dashboardMetrics(): string[] {
  const names = new Set<string>()
  for (const panel of dashboard().panels) {
    for (const { expr } of panel.targets) {
      const bare = expr
        .replace(/\{[^}]*\}/g, ' ')
        .replace(/\[[^\]]*\]/g, ' ')
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
      for (const match of bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) {
        const word = match[1] as string
        if (!['and', 'or', 'unless', 'bool', 'offset'].includes(word)) names.add(word)
      }
    }
  }
  return [...names].sort()
}

/** Every string literal in the sources that could be an instrument's name, dots as `_`. */
function instrumentNames(): Set<string> {
  const names = new Set<string>()
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry)
      if (statSync(path).isDirectory()) visit(path)
      else if (entry.endsWith('.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/'([a-z][a-z0-9_.]*)'/g)) {
          names.add((match[1] as string).replace(/\./g, '_'))
        }
      }
    }
  }
  for (const group of ['packages', 'apps']) {
    for (const workspace of readdirSync(join(repoRoot, group))) {
      const src = join(repoRoot, group, workspace, 'src')
      if (statSync(join(repoRoot, group, workspace)).isDirectory() && existsDir(src)) visit(src)
    }
  }
  return names
}

function existsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function hasDockerCompose(): boolean {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
