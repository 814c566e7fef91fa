/**
 * The fields of an Auth0 client that the Management API takes on create and
 * update (`CreateClientRequestContent` of the `auth0` SDK 7.1), less those the
 * local tenant models itself (clients.ts): a full client object from a script
 * written for Auth0 is accepted, its other fields stored as given and
 * returned, and only a name Auth0 does not know is refused.
 */
export const AUTH0_CLIENT_FIELDS_STORED: readonly string[] = [
  'logo_uri',
  'callbacks',
  'oidc_logout',
  'oidc_backchannel_logout',
  'session_transfer',
  'allowed_origins',
  'web_origins',
  'client_aliases',
  'allowed_clients',
  'allowed_logout_urls',
  'is_token_endpoint_ip_header_trusted',
  'is_first_party',
  'oidc_conformant',
  'jwt_configuration',
  'encryption_key',
  'sso',
  'cross_origin_authentication',
  'cross_origin_loc',
  'sso_disabled',
  'custom_login_page_on',
  'custom_login_page',
  'custom_login_page_preview',
  'form_template',
  'addons',
  'mobile',
  'initiate_login_uri',
  'native_social_login',
  'fedcm_login',
  'refresh_token',
  'organization_usage',
  'organization_require_behavior',
  'organization_discovery_methods',
  'client_authentication_methods',
  'require_pushed_authorization_requests',
  'require_proof_of_possession',
  'signed_request_object',
  'token_vault_privileged_access',
  'compliance_level',
  'skip_non_verifiable_callback_uri_confirmation_prompt',
  'token_exchange',
  'par_request_expiry',
  'resource_server_identifier',
  'identity_assertion_authorization_grant',
  'anonymous_sessions',
  'third_party_security_mode',
  'redirection_policy',
  'express_configuration',
  'b2b_integration_configuration',
  'my_organization_configuration',
  'async_approval_notification_channels',
]

/** JSON Schema properties that accept each stored field with any JSON value. */
export const storedClientFieldsSchema = Object.fromEntries(
  AUTH0_CLIENT_FIELDS_STORED.map((field) => [field, {}]),
)

/** Splits a body into the stored Auth0 fields and the rest. */
export function splitStoredFields<T extends Record<string, unknown>>(
  body: T,
): { stored: Record<string, unknown>; modelled: Partial<T> } {
  const stored: Record<string, unknown> = {}
  const modelled: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) {
    if (AUTH0_CLIENT_FIELDS_STORED.includes(key)) stored[key] = value
    else modelled[key] = value
  }
  return { stored, modelled: modelled as Partial<T> }
}
