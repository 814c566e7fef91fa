import { expect, it } from 'vitest'
import { strangerEnv } from '../src/index.js'

it("keeps the machine's settings and drops the workspace's, the test runner's and m2m credentials", () => {
  const env = strangerEnv(
    {
      HOME: '/home/me',
      PATH: '/repo/node_modules/.bin:/repo/tooling/pack-check/node_modules/.bin:/usr/local/bin:/usr/bin',
      NPM_CONFIG_REGISTRY: 'https://mirror.example/',
      HTTPS_PROXY: 'http://proxy:3128',
      npm_config_user_agent: 'pnpm/10.34.8',
      npm_config_verify_deps_before_run: 'false',
      pnpm_config_verify_deps_before_run: 'false',
      PNPM_PACKAGE_NAME: '@m2m/pack-check',
      INIT_CWD: '/repo',
      NODE_ENV: 'test',
      VITEST: 'true',
      VITEST_POOL_ID: '1',
      TURBO_HASH: 'abc',
      AUTH0_CLIENT_SECRET: 'from-my-shell',
      ISSUER_BASE_URL: 'http://localhost:4000/',
      M2M_LOG_CAPTURE_REQUIRED: '1',
    },
    '/opt/node24/bin',
    '/repo',
  )
  expect(env).toEqual({
    HOME: '/home/me',
    PATH: '/opt/node24/bin:/usr/local/bin:/usr/bin',
    NPM_CONFIG_REGISTRY: 'https://mirror.example/',
    HTTPS_PROXY: 'http://proxy:3128',
  })
})
