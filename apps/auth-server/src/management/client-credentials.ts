import type { FastifyInstance } from 'fastify'
import {
  buildPublicKeyCredential,
  CREDENTIAL_KID_PATTERN,
  type CredentialProblem,
  credentialView,
  MAX_CLIENT_CREDENTIALS,
  MAX_PEM_LENGTH,
  type PublicKeyCredentialInput,
} from '../credentials/public-key-credential.js'
import { ManagementError } from '../errors.js'
import type { TenantState } from '../state/tenant-state.js'
import { CLIENT_ASSERTION_ALGS, type Client, type ClientCredential } from '../tenant/model.js'
import { badBody, notFound } from './management-error.js'
import { patchBody } from './route-schemas.js'

/**
 * A credential in a create body (Auth0's `PostClientCredentialRequestContent`,
 * also the items of `client_authentication_methods.private_key_jwt.credentials`
 * in `POST /clients`). Certificate types are named so that they are refused
 * with a clear message; the key itself is checked in code.
 */
export const credentialCreateBody = {
  type: 'object',
  required: ['credential_type'],
  additionalProperties: false,
  properties: {
    credential_type: { enum: ['public_key', 'cert_subject_dn', 'x509_cert'] },
    name: { type: 'string', minLength: 1, maxLength: 128 },
    pem: { type: 'string', minLength: 1, maxLength: MAX_PEM_LENGTH },
    alg: { enum: [...CLIENT_ASSERTION_ALGS] },
    kid: { type: 'string', pattern: CREDENTIAL_KID_PATTERN },
    expires_at: { type: 'string', minLength: 1, maxLength: 64 },
    parse_expiry_from_cert: { type: 'boolean' },
    subject_dn: { type: 'string', maxLength: 256 },
  },
} as const

const clientParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const
const credentialParams = {
  type: 'object',
  required: ['id', 'credential_id'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 128 },
    credential_id: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const

/** A 400 naming the field at fault, as the route schemas' errors do (`body/pem …`). */
export function credentialProblem(at: string, problem: CredentialProblem): ManagementError {
  return badBody(`${at}/${problem.field} ${problem.message}`)
}

/**
 * Builds new credentials beside `existing`, or throws the 400 (bad key, more
 * than two) or 409 (a kid already there) Auth0 would answer. `at` is the body
 * path of the list, for messages.
 */
export function newCredentials(
  inputs: readonly PublicKeyCredentialInput[],
  existing: readonly ClientCredential[],
  at: (index: number) => string,
): ClientCredential[] {
  if (existing.length + inputs.length > MAX_CLIENT_CREDENTIALS) {
    // Unverified against Auth0: its limit is documented, its error code is not.
    throw new ManagementError(
      400,
      'too_many_credentials',
      `A client has at most ${MAX_CLIENT_CREDENTIALS} credentials: delete one first`,
    )
  }
  const now = new Date()
  const built: ClientCredential[] = []
  inputs.forEach((input, index) => {
    const result = buildPublicKeyCredential(input, { now, refusePastExpiry: true })
    if (!result.ok) throw credentialProblem(at(index), result.problem)
    const { kid } = result.credential
    if ([...existing, ...built].some((other) => other.kid === kid)) {
      throw new ManagementError(
        409,
        'credential_conflict',
        'The client already has a credential with this kid',
      )
    }
    built.push(result.credential)
  })
  return built
}

/** Whether `client_authentication_methods.private_key_jwt` lists the credential. */
function isEnabled(client: Client, credentialId: string): boolean {
  const enabled = client.client_authentication_methods?.private_key_jwt?.credentials ?? []
  return enabled.some(({ id }) => id === credentialId)
}

/**
 * `/api/v2/clients/:id/credentials`: the public keys of `private_key_jwt`
 * (Auth0's "client credentials"). A credential is created disabled; `PATCH
 * /clients/:id` with `client_authentication_methods` enables it. Answers never
 * hold the key.
 */
export async function clientCredentialRoutes(app: FastifyInstance, opts: { state: TenantState }) {
  const { state } = opts
  const clientOf = (id: string): Client => {
    const client = state.client(id)
    if (!client) throw notFound('client', 'inexistent_client')
    return client
  }
  const credentialOf = (client: Client, credentialId: string): ClientCredential => {
    const credential = client.credentials?.find((c) => c.id === credentialId)
    if (!credential) throw notFound('credential', 'inexistent_client_credential')
    return credential
  }
  // The credentials of a file client then outlive the file's (see tenant-state.ts).
  const changed = () => ({ credentials_changed_at: new Date().toISOString() })

  app.get(
    '/clients/:id/credentials',
    { config: { scopes: ['read:client_credentials'] }, schema: { params: clientParams } },
    async (request) =>
      (clientOf((request.params as { id: string }).id).credentials ?? []).map(credentialView),
  )

  app.post(
    '/clients/:id/credentials',
    {
      config: { scopes: ['create:client_credentials'] },
      schema: { params: clientParams, body: credentialCreateBody },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string }
      const client = clientOf(id)
      const existing = client.credentials ?? []
      const [credential] = newCredentials(
        [request.body as PublicKeyCredentialInput],
        existing,
        () => 'body',
      )
      if (!credential) throw badBody('body is empty')
      await state.updateClient(id, { credentials: [...existing, credential], ...changed() })
      return reply.code(201).send(credentialView(credential))
    },
  )

  app.get(
    '/clients/:id/credentials/:credential_id',
    { config: { scopes: ['read:client_credentials'] }, schema: { params: credentialParams } },
    async (request) => {
      const params = request.params as { id: string; credential_id: string }
      return credentialView(credentialOf(clientOf(params.id), params.credential_id))
    },
  )

  app.patch(
    '/clients/:id/credentials/:credential_id',
    {
      config: { scopes: ['update:client_credentials'] },
      schema: {
        params: credentialParams,
        body: patchBody({ expires_at: { type: ['string', 'null'], minLength: 1, maxLength: 64 } }),
      },
    },
    async (request) => {
      const params = request.params as { id: string; credential_id: string }
      const client = clientOf(params.id)
      const credential = credentialOf(client, params.credential_id)
      const { expires_at: expiresAt } = request.body as { expires_at?: string | null }
      let updated: ClientCredential = { ...credential, updated_at: new Date().toISOString() }
      if (expiresAt === null) {
        const { expires_at: _cleared, ...rest } = updated
        updated = rest
      } else if (expiresAt !== undefined) {
        // The same checks as on create, on the credential's own key.
        const result = buildPublicKeyCredential(
          { pem: credential.pem, alg: credential.alg, kid: credential.kid, expires_at: expiresAt },
          { now: new Date(), refusePastExpiry: true },
        )
        if (!result.ok) throw credentialProblem('body', result.problem)
        updated.expires_at = result.credential.expires_at as string
      }
      const credentials = (client.credentials ?? []).map((c) =>
        c.id === credential.id ? updated : c,
      )
      await state.updateClient(params.id, { credentials, ...changed() })
      return credentialView(updated)
    },
  )

  app.delete(
    '/clients/:id/credentials/:credential_id',
    { config: { scopes: ['delete:client_credentials'] }, schema: { params: credentialParams } },
    async (request, reply) => {
      const params = request.params as { id: string; credential_id: string }
      const client = clientOf(params.id)
      const credential = credentialOf(client, params.credential_id)
      // As on Auth0 (the Deploy CLI un-references a credential before deleting it):
      // a key in use is first removed from client_authentication_methods.
      if (isEnabled(client, credential.id)) {
        throw new ManagementError(
          400,
          'credential_in_use',
          'The credential is enabled in the client_authentication_methods of the client: remove it there first (PATCH /api/v2/clients/:id)',
        )
      }
      await state.updateClient(params.id, {
        credentials: (client.credentials ?? []).filter((c) => c.id !== credential.id),
        ...changed(),
      })
      return reply.code(204).send()
    },
  )
}
