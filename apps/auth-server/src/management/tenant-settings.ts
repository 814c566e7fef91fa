import type { FastifyInstance } from 'fastify'
import { ManagementError } from '../errors.js'
import type { TenantState } from '../state/tenant-state.js'
import type { TenantSettings } from '../tenant/model.js'
import {
  defaultTokenQuotaSchema,
  normalizeDefaultTokenQuota,
  type TokenQuotaInput,
} from '../tenant/token-quota-config.js'
import { patchBody } from './route-schemas.js'
import { splitStoredFields, storedFieldsSchema, withStoredFields } from './stored-fields.js'

/**
 * Tenant settings of Auth0's `UpdateTenantSettingsRequestContent` (the `auth0`
 * SDK 7.1) that the local tenant does not act on: stored as given and returned.
 */
const STORED_FIELDS = [
  'change_password',
  'device_flow',
  'guardian_mfa_page',
  'default_directory',
  'error_page',
  'flags',
  'picture_url',
  'support_email',
  'support_url',
  'allowed_logout_urls',
  'session_lifetime',
  'session_lifetime_in_minutes',
  'idle_session_lifetime',
  'idle_session_lifetime_in_minutes',
  'ephemeral_session_lifetime',
  'idle_ephemeral_session_lifetime',
  'ephemeral_session_lifetime_in_minutes',
  'idle_ephemeral_session_lifetime_in_minutes',
  'sandbox_version',
  'legacy_sandbox_version',
  'default_redirection_uri',
  'enabled_locales',
  'security_headers',
  'session_cookie',
  'sessions',
  'oidc_logout',
  'customize_mfa_in_postlogin_action',
  'acr_values_supported',
  'mtls',
  'pushed_authorization_requests_supported',
  'authorization_response_iss_parameter_supported',
  'skip_non_verifiable_callback_uri_confirmation_prompt',
  'resource_parameter_profile',
  'client_id_metadata_document_supported',
  'enable_ai_guide',
  'phone_consolidated_experience',
  'include_session_metadata_in_tenant_logs',
  'dynamic_client_registration_security_mode',
  'country_codes',
]

/** Settings as Auth0 answers them: the stored fields, then those the tenant acts on. */
function settingsView(settings: TenantSettings) {
  const { auth0_fields: stored, ...modelled } = settings
  return { ...stored, ...modelled }
}

/** `GET/PATCH /api/v2/tenants/settings`. */
export async function tenantSettingsRoutes(app: FastifyInstance, opts: { state: TenantState }) {
  const { state } = opts

  app.get('/tenants/settings', { config: { scopes: ['read:tenant_settings'] } }, async () =>
    settingsView(state.settings),
  )

  app.patch(
    '/tenants/settings',
    {
      config: { scopes: ['update:tenant_settings'] },
      schema: {
        body: patchBody({
          ...storedFieldsSchema(STORED_FIELDS),
          friendly_name: { type: 'string', minLength: 1, maxLength: 255 },
          default_audience: { type: 'string', maxLength: 600 },
          allow_organization_name_in_authentication_api: { type: 'boolean' },
          // Auth0's DefaultTokenQuota (`null` clears it): applies to the next token request.
          default_token_quota: defaultTokenQuotaSchema({ nullable: true, minProperties: true }),
        }),
      },
    },
    async (request) => {
      const body = request.body as Record<string, unknown>
      const { stored } = splitStoredFields(body, STORED_FIELDS)
      const changes: TenantSettings = {}
      if (typeof body.friendly_name === 'string') changes.friendly_name = body.friendly_name
      if (typeof body.allow_organization_name_in_authentication_api === 'boolean') {
        changes.allow_organization_name_in_authentication_api =
          body.allow_organization_name_in_authentication_api
      }
      if (typeof body.default_audience === 'string') {
        // '' clears it; anything else must name an API of this tenant.
        if (
          body.default_audience !== '' &&
          !state.resourceServerByIdentifier(body.default_audience)
        ) {
          throw new ManagementError(
            400,
            'invalid_body',
            `Payload validation error: default_audience: no API with identifier "${body.default_audience}"`,
          )
        }
        changes.default_audience = body.default_audience === '' ? undefined : body.default_audience
      }
      const quotas = body.default_token_quota as
        | { clients?: TokenQuotaInput; organizations?: TokenQuotaInput }
        | null
        | undefined
      if (quotas !== undefined) {
        // Replaced as a whole, as Auth0's PATCH replaces a top-level field.
        changes.default_token_quota =
          quotas === null ? undefined : normalizeDefaultTokenQuota(quotas)
      }
      Object.assign(changes, withStoredFields(stored, state.settings.auth0_fields))
      return settingsView(await state.updateSettings(changes))
    },
  )
}
