export { type AppDeps, buildApp } from './app.js'
export { type AuthServerConfig, ConfigError, devTenantFile, loadConfig } from './config.js'
export { type AuthServer, createAuthServer } from './server.js'
