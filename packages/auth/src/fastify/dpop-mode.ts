/**
 * Which tokens a route accepts:
 * - `allowed`: Bearer tokens, and DPoP-bound tokens sent as `Authorization: DPoP` with a proof;
 * - `required`: only DPoP-bound tokens with a proof;
 * - `disabled`: only Bearer tokens; the DPoP scheme counts as no credentials.
 *
 * In every mode a token bound to a key (`cnf.jkt`) is refused as a Bearer
 * token (RFC 9449 §7.2): accepting it would undo the binding.
 */
export type DpopMode = 'allowed' | 'required' | 'disabled'

const DPOP_MODES: readonly string[] = ['allowed', 'required', 'disabled']

/** True for `'allowed'`, `'required'` and `'disabled'`. */
export function isDpopMode(value: unknown): value is DpopMode {
  return typeof value === 'string' && DPOP_MODES.includes(value)
}
