import type { GrantOption } from './grant-options.js'

/** What the form asks for; '' when left empty. */
export interface TryInput {
  grant: string
  scope: string
  organization: string
}

export const EMPTY_INPUT: TryInput = Object.freeze({ grant: '', scope: '', organization: '' })

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/
const MAX_SCOPE = 1_000
/** An organization's id (`org_…`) or name: no spaces, no control characters. */
const ORGANIZATION = /^[^\s\p{Cc}]{1,255}$/u

export type ParsedTry =
  | { ok: true; input: TryInput; option: GrantOption }
  | { ok: false; input: TryInput; problem: string }

/** The form's fields checked against the grants listed: a 400 that names the field, or the exchange to make. */
export function parseTryInput(body: unknown, options: readonly GrantOption[]): ParsedTry {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const input = { ...EMPTY_INPUT }
  for (const name of ['grant', 'scope', 'organization'] as const) {
    const value = fields[name] ?? ''
    if (typeof value !== 'string') {
      return { ok: false, input, problem: `${name} must be given once, as text.` }
    }
    input[name] = value.trim()
  }
  input.scope = input.scope.split(/\s+/).filter(Boolean).join(' ')
  const refuse = (problem: string): ParsedTry => ({ ok: false, input, problem })

  if (input.grant === '') return refuse('Choose an application and API (a client grant) to try.')
  const option = options.find((candidate) => candidate.id === input.grant)
  if (!option) {
    return refuse(`No client grant ${input.grant} in this tenant: choose one from the list.`)
  }
  if (option.unavailable) {
    return refuse(`${option.clientName} cannot be tried here: ${option.unavailable.reason}.`)
  }
  if (input.scope.length > MAX_SCOPE) {
    return refuse(`scope is longer than ${MAX_SCOPE} characters.`)
  }
  const malformed = input.scope.split(' ').find((token) => token && !SCOPE_TOKEN.test(token))
  if (malformed !== undefined) {
    return refuse(
      `scope is malformed: ${JSON.stringify(malformed)} has a character no scope may have (a quote, a backslash, or anything outside printable ASCII); scopes are separated by spaces.`,
    )
  }
  if (input.organization !== '' && !ORGANIZATION.test(input.organization)) {
    return refuse(
      "organization must be an organization's id (org_…) or name: at most 255 characters, without spaces.",
    )
  }
  return { ok: true, input, option }
}
