/**
 * `@m2m/auth-server/testing`: the local tenant for other projects' test
 * suites. See "Testing with a local tenant" in the README.
 */
export { LocalTenantClientError, LocalTenantTokenError } from '../errors.js'
export {
  type LocalTenant,
  type ManagementApi,
  type StartLocalTenantOptions,
  startLocalTenant,
  TESTING_MANAGEMENT_CLIENT_ID,
  type TenantDocumentObject,
  type TokenForOptions,
} from './local-tenant.js'
