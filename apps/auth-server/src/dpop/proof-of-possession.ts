import type { VerifiedDpopProof } from '@m2m/auth/dpop'
import { auth0Errors } from '../oauth/oauth-error.js'
import {
  type Client,
  POP_MECHANISMS,
  POP_REQUIRED_FOR,
  type ProofOfPossession,
  type ResourceServer,
} from '../tenant/model.js'

/**
 * JSON Schema of Auth0's `proof_of_possession` (the Management API's
 * `ResourceServerProofOfPossession`, the Deploy CLI's `resourceServers[]`
 * field): an object with `mechanism` and `required`, or `null` for none.
 * Shared by the tenant file and the Management API.
 */
export const proofOfPossessionSchema = {
  type: 'object',
  nullable: true,
  required: ['mechanism', 'required'],
  additionalProperties: false,
  properties: {
    mechanism: { enum: [...POP_MECHANISMS] },
    required: { type: 'boolean' },
    required_for: { enum: [...POP_REQUIRED_FOR] },
  },
}

/**
 * The API's policy. Also read from `auth0_fields`, where Management API
 * changes made before the local tenant acted on the field were stored.
 */
export function proofOfPossessionOf(api: ResourceServer): ProofOfPossession | undefined {
  if (api.proof_of_possession) return api.proof_of_possession
  const stored = api.auth0_fields?.proof_of_possession as Partial<ProofOfPossession> | undefined
  if (
    stored &&
    typeof stored === 'object' &&
    POP_MECHANISMS.includes(stored.mechanism as ProofOfPossession['mechanism']) &&
    typeof stored.required === 'boolean'
  ) {
    return stored as ProofOfPossession
  }
  return undefined
}

/** How the token of one exchange is issued. */
export type SenderConstraint = { kind: 'bearer' } | { kind: 'dpop'; jkt: string }

const BEARER: SenderConstraint = Object.freeze({ kind: 'bearer' })

/**
 * Auth0's table ("Configure sender constraining", custom audience rows) for a
 * client-credentials client, which is always confidential:
 *
 * | API policy                    | no proof   | DPoP proof |
 * | ----------------------------- | ---------- | ---------- |
 * | none (or mTLS, not required)  | bearer     | bearer     |
 * | dpop, allowed                 | bearer     | DPoP-bound |
 * | dpop, required                | not issued | DPoP-bound |
 *
 * A client with `require_proof_of_possession` gets no token without a proof,
 * nor from an API that takes no DPoP. `required_for: public_clients` does not
 * apply to these clients. The proof itself was verified before, whatever the
 * policy: a bad proof is refused even where it would not be used.
 *
 * @throws OAuthError when the token is "Not Issued"
 */
export function senderConstraint(
  api: ResourceServer,
  client: Client,
  proof: VerifiedDpopProof | undefined,
): SenderConstraint {
  const policy = proofOfPossessionOf(api)
  const clientRequires = client.auth0_fields?.require_proof_of_possession === true
  const required = policy?.required === true && policy.required_for !== 'public_clients'
  if (policy?.mechanism === 'mtls') {
    if (required) throw auth0Errors.mtlsRequired(api.identifier)
    if (clientRequires) throw auth0Errors.popNotServedByApi(api.identifier)
    return BEARER
  }
  if (policy === undefined) {
    if (clientRequires) throw auth0Errors.popNotServedByApi(api.identifier)
    return BEARER
  }
  if (proof) return { kind: 'dpop', jkt: proof.jkt }
  if (required || clientRequires) throw auth0Errors.dpopRequired(api.identifier)
  return BEARER
}
