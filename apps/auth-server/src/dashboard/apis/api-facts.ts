import type { ResourceServer } from '../../tenant/model.js'

const UNITS: ReadonlyArray<readonly [seconds: number, unit: string]> = [
  [86_400, 'day'],
  [3_600, 'hour'],
  [60, 'minute'],
]

/** `86,400 s (1 day)`: the exact figure, and a round unit when there is one. */
export function lifetimeText(seconds: number): string {
  const exact = `${seconds.toLocaleString('en')} s`
  const round = UNITS.find(([size]) => seconds >= size && seconds % size === 0)
  if (!round) return exact
  const count = seconds / round[0]
  return `${exact} (${count.toLocaleString('en')} ${round[1]}${count === 1 ? '' : 's'})`
}

/** The API's proof-of-possession policy in words, e.g. `DPoP required (public clients)`. */
export function popText(api: ResourceServer): string {
  const pop = api.proof_of_possession
  if (!pop) return 'none (bearer tokens)'
  const mechanism = pop.mechanism === 'dpop' ? 'DPoP' : 'mTLS'
  const scope = pop.required_for ? ` (${pop.required_for.replace('_', ' ')})` : ''
  return `${mechanism} ${pop.required ? `required${scope}` : 'allowed'}`
}

/** The tenant's APIs in order, the system one (the Management API) last. */
export function systemLast(apis: readonly ResourceServer[]): ResourceServer[] {
  return [...apis.filter((api) => !api.is_system), ...apis.filter((api) => api.is_system)]
}
