import { REJECTION_REASONS, type RejectionReason } from '../telemetry/rejection-reason.js'
import { type AuthAnswer, DPOP_REQUIRED_DESCRIPTION } from './auth-answers.js'

const byError = new Map<string, RejectionReason>([
  ['invalid_request', REJECTION_REASONS.invalidRequest],
  ['invalid_token', REJECTION_REASONS.invalidToken],
  ['insufficient_scope', REJECTION_REASONS.insufficientScope],
  ['invalid_dpop_proof', REJECTION_REASONS.invalidDpopProof],
  ['use_dpop_nonce', REJECTION_REASONS.useDpopNonce],
  ['temporarily_unavailable', REJECTION_REASONS.unavailable],
])

/**
 * The `reason` of a refusal, for `m2m.http.server.auth_rejections`: the
 * answer's OAuth error, except that the 401 with no error code (no
 * credentials) tells a missing token from a route that requires DPoP.
 */
export function refusalReason(answer: AuthAnswer): RejectionReason {
  const { error, error_description } = answer.body
  if (error === 'unauthorized') {
    return error_description === DPOP_REQUIRED_DESCRIPTION
      ? REJECTION_REASONS.dpopRequired
      : REJECTION_REASONS.missingToken
  }
  const known = byError.get(error)
  if (known !== undefined) return known
  if (answer.statusCode >= 500) return REJECTION_REASONS.unavailable
  if (answer.statusCode === 403) return REJECTION_REASONS.insufficientScope
  return answer.statusCode === 400
    ? REJECTION_REASONS.invalidRequest
    : REJECTION_REASONS.invalidToken
}
