/**
 * The packages published to npm, in dependency order. `@m2m/service-kit` is
 * not meant for use on its own, but `@m2m/auth-server` imports it at run time
 * (configuration, errors, OpenAPI, telemetry), so a stranger needs it from
 * the registry like any other dependency.
 */
export const PUBLISHED_PACKAGES = [
  { name: '@m2m/auth', dir: 'packages/auth' },
  { name: '@m2m/service-kit', dir: 'packages/service-kit' },
  { name: '@m2m/auth-server', dir: 'apps/auth-server' },
  { name: '@m2m/cli', dir: 'apps/cli' },
] as const

export type PublishedPackage = (typeof PUBLISHED_PACKAGES)[number]
