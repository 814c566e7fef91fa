export { type AppDeps, buildApp } from './app.js'
export { type AuthServerConfig, ConfigError, devTenantFile, loadConfig } from './config.js'
export { TenantError } from './errors.js'
export { type AuthServer, createAuthServer } from './server.js'
export {
  checkTenantFile,
  DEFAULT_CHECK_ISSUER,
  type Located,
  type TenantCheckItem,
  type TenantCheckLoads,
  type TenantCheckOptions,
  type TenantCheckReport,
} from './tenant/check-tenant.js'
export { type KeywordMappings, parseKeywordMappings } from './tenant/keyword-replace.js'
export { readKeywordMappingsArgument } from './tenant/read-tenant-text.js'
export type {
  ApiSummary,
  ClientSummary,
  GrantSummary,
  OrganizationSummary,
  TenantSummary,
} from './tenant/tenant-summary.js'
