import type { TenantCheckItem, TenantCheckReport } from '@m2m/auth-server'

// The text of `m2m tenant check`: what loads, what is ignored, what is refused,
// each line starting with where it is in the file (`line:column`).

const FIELD_NOT_READ = 'field not read by the local tenant'

/** The report as text for a terminal; `name` is the file as the user gave it. */
export function formatCheckReport(report: TenantCheckReport, name: string): string {
  const lines = [`${name}: checked for the local tenant (issuer ${report.issuer})`, '']
  if (report.loads) lines.push(...loadsSection(report.loads), '')

  const ignored = groupFields(report.ignored)
  lines.push(
    report.ignored.length === 0
      ? 'Ignored: nothing'
      : `Ignored (${count(report.ignored.length, 'section or field', 'sections and fields')} the local tenant does not read)`,
  )
  lines.push(...rows(ignored.map((item) => [where(item), describe(item)])), '')

  if (report.ok) {
    lines.push('Refused: nothing', '', `OK: the local tenant would load ${name}.`)
  } else {
    lines.push(
      `Refused (${report.code}, ${count(report.refused.length, 'problem', 'problems')}):`,
      ...rows(report.refused.map((item) => [where(item), describe(item)])),
      '',
      `REFUSED: the local tenant would not start with ${name}.`,
    )
  }
  return `${lines.join('\n')}\n`
}

function loadsSection(loads: NonNullable<TenantCheckReport['loads']>): string[] {
  const lines = ['Loads']
  lines.push(`  APIs (${loads.apis.length})`)
  lines.push(
    ...rows(
      loads.apis.map((api) => [
        api.line === undefined ? '-' : String(api.line),
        api.identifier,
        api.name,
        api.system
          ? `${count(api.scopes.length, 'scope', 'scopes')} (built in: the local Management API)`
          : `${count(api.scopes.length, 'scope', 'scopes')}, ${api.signingAlg}, ${api.tokenLifetime} s`,
      ]),
      '    ',
    ),
  )
  lines.push(`  Clients (${loads.clients.length})`)
  lines.push(
    ...rows(
      loads.clients.map((client) => [
        lineOf(client.line),
        client.name,
        client.appType,
        !client.clientCredentials
          ? 'no client_credentials grant type: refused tokens (unauthorized_client)'
          : [
              client.audiences.length === 0
                ? 'no client grant: no tokens yet'
                : `tokens for ${client.audiences.join(', ')}`,
              client.authentication === 'private_key_jwt'
                ? 'private_key_jwt'
                : client.secret === 'generated'
                  ? 'secret generated at first start'
                  : 'secret from the file',
            ].join('; '),
      ]),
      '    ',
    ),
  )
  lines.push(`  Client grants (${loads.grants.length})`)
  lines.push(
    ...rows(
      loads.grants.map((grant) => [
        lineOf(grant.line),
        `${grant.client} → ${grant.audience}: ${scopeList(grant.scopes)}${
          grant.clientCredentials ? '' : ' (subject_type user: no client-credentials tokens)'
        }`,
      ]),
      '    ',
    ),
  )
  if (loads.organizations.length > 0) {
    lines.push(`  Organizations (${loads.organizations.length})`)
    lines.push(
      ...rows(
        loads.organizations.map((org) => [
          lineOf(org.line),
          `${org.name}: ${count(org.grants, 'client grant', 'client grants')}`,
        ]),
        '    ',
      ),
    )
  }
  if (loads.actions.length > 0) {
    lines.push(`  Credentials-exchange actions (${loads.actions.length}, run in this order)`)
    lines.push(
      ...rows(
        loads.actions.map((action) => [lineOf(action.line), action.name]),
        '    ',
      ),
    )
  }
  return lines
}

/**
 * Fields of one entry that are not read, on one line (`clients[0] ("A"): callbacks,
 * logo_uri`): a real export has many, and the entry is what one looks for.
 */
function groupFields(items: readonly TenantCheckItem[]): TenantCheckItem[] {
  const grouped: Array<TenantCheckItem & { fields?: string[] }> = []
  for (const item of items) {
    const match = item.message === FIELD_NOT_READ && /^(.+)\.([^.[\]"]+)$/.exec(item.path ?? '')
    const last = grouped.at(-1)
    if (match && last?.fields && last.path === match[1]) {
      last.fields.push(match[2] as string)
      continue
    }
    grouped.push(match ? { ...item, path: match[1], fields: [match[2] as string] } : item)
  }
  return grouped.map(({ fields, ...item }) =>
    fields
      ? {
          ...item,
          message: `${fields.join(', ')} (${fields.length === 1 ? 'field' : 'fields'} not read)`,
        }
      : item,
  )
}

/** A grant's scopes; an export's Management API grant has over a hundred: the first few, then a count. */
function scopeList(scopes: readonly string[]): string {
  if (scopes.length === 0) return '(no scopes)'
  if (scopes.length <= 6) return scopes.join(' ')
  return `${scopes.slice(0, 4).join(' ')} … (${scopes.length} scopes)`
}

function describe(item: TenantCheckItem): string {
  const text = item.path === undefined ? item.message : `${item.path}: ${item.message}`
  // A syntax error carries an excerpt of the file on the lines after its message.
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .join('\n        ')
}

function where(item: TenantCheckItem): string {
  if (item.line === undefined) return '-'
  return item.column === undefined ? String(item.line) : `${item.line}:${item.column}`
}

function lineOf(line: number | undefined): string {
  return line === undefined ? '-' : String(line)
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/** Rows as left-aligned columns, two spaces apart, under `indent`. */
function rows(cells: ReadonlyArray<readonly string[]>, indent = '  '): string[] {
  const widths: number[] = []
  for (const row of cells) {
    row.forEach((cell, i) => {
      if (i < row.length - 1) widths[i] = Math.max(widths[i] ?? 0, cell.length)
    })
  }
  return cells.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
  )
}
