/**
 * Claims an Action may not set, as Auth0 restricts them: the token's own
 * registered and OAuth claims, and the ones that carry authorization
 * decisions (organization, permissions, client), which only the server sets.
 */
export const RESTRICTED_CLAIMS: readonly string[] = Object.freeze([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'azp',
  'scope',
  'scp',
  'gty',
  'client_id',
  'permissions',
  'org_id',
  'org_name',
  'amr',
  'acr',
  'auth_time',
  'nonce',
  'cnf',
  'act',
  'may_act',
  'typ',
  'sid',
  'roles',
  'groups',
  'entitlements',
])
