import type { GeneratedSecret } from '../state/tenant-state.js'
import type { TenantSummary } from '../tenant/tenant-summary.js'

export interface BannerInput {
  version: string
  issuer: string
  tenantFile: string
  dataDir: string | undefined
  clientSecretsFile: string | undefined
  summary: TenantSummary
  ignoredSections: readonly string[]
  /** Secrets generated on this start: shown once, here only. */
  newSecrets: readonly GeneratedSecret[]
  /** How to open the dashboard (its one-time sign-in link when no password is set). */
  dashboard?: readonly string[]
}

/** What `m2m-tenant` prints on stdout once it listens: where it is and what it serves. */
export function formatBanner(input: BannerInput): string {
  const { issuer, summary } = input
  const lines = [
    `m2m-tenant ${input.version}: local Auth0-compatible tenant ready`,
    ...table([
      ['issuer', issuer],
      ['discovery', `${issuer}.well-known/openid-configuration`],
      ['token', `${issuer}oauth/token`],
      ['tenant', input.tenantFile],
      [
        'data',
        input.dataDir === undefined
          ? 'memory only: keys and generated secrets are new on every start'
          : input.dataDir,
      ],
      ...(input.clientSecretsFile ? [['client ids', input.clientSecretsFile]] : []),
    ]).map((line) => `  ${line}`),
    '',
    `APIs (${summary.apis.length}):`,
    ...table(
      summary.apis.map((api) => [
        api.identifier,
        api.name,
        `${api.scopes.length} scope${api.scopes.length === 1 ? '' : 's'}`,
      ]),
    ).map((line) => `  ${line}`),
    `Clients (${summary.clients.length}):`,
    ...table(
      summary.clients.map((client) => [
        client.name,
        client.clientId,
        !client.clientCredentials
          ? `${client.appType}: no client_credentials grant type, no tokens`
          : client.audiences.length === 0
            ? 'no client grant yet'
            : `→ ${client.audiences.join(', ')}`,
      ]),
    ).map((line) => `  ${line}`),
  ]
  if (summary.organizations.length > 0) {
    lines.push(`Organizations: ${summary.organizations.map((org) => org.name).join(', ')}`)
  }
  if (summary.actions.length > 0) {
    lines.push(`Credentials-exchange actions: ${summary.actions.join(', ')}`)
  }
  if (input.ignoredSections.length > 0) {
    lines.push(`Not read (nothing M2M in them): ${input.ignoredSections.join(', ')}`)
  }
  if (input.newSecrets.length > 0) {
    // Shown once, on the terminal only: never through the logger, never stored in plain text elsewhere.
    lines.push('', 'Client secrets generated for this tenant (shown once, store them now):')
    for (const s of input.newSecrets) {
      lines.push(`  ${s.clientName}: client_id=${s.clientId} client_secret=${s.clientSecret}`)
    }
    if (input.clientSecretsFile) {
      lines.push(`They are kept, with every other client's, in ${input.clientSecretsFile}`)
    }
  }
  if (input.dashboard && input.dashboard.length > 0) lines.push('', ...input.dashboard)
  lines.push('', 'Ctrl-C (SIGINT) or SIGTERM stops it.')
  return `${lines.join('\n')}\n`
}

/** Rows as left-aligned columns, two spaces apart. */
function table(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length)
    })
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  )
}
