import { expect, it } from 'vitest'
import { PUBLISHED_PACKAGES, runStrangerCheck } from '../src/index.js'

// The whole check, on the Node that runs this suite (Node 20 in `pnpm test`;
// .ci/run runs dist/main.js with Node 24 too). Needs the four packages built:
// turbo's `^build` for this task does that.
it('a stranger installs the packed packages with npm and uses them on plain Node', async () => {
  const report = await runStrangerCheck({ node: process.execPath })

  expect(report.nodeVersion).toBe(process.version)
  expect(report.tarballs.map((t) => t.name)).toEqual(PUBLISHED_PACKAGES.map((p) => p.name))
  for (const tarball of report.tarballs) {
    expect(tarball.files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']))
    expect(
      tarball.files.filter((file) => !/^(dist|bin|tenants|dashboard-assets)\//.test(file)),
    ).toEqual(['LICENSE', 'README.md', 'package.json'])
  }
  expect(report.checks).toEqual([
    expect.stringMatching(/^ok node v.*: @m2m packages resolve to node_modules\/@m2m\/\*\/dist/),
    expect.stringMatching(/^ok local tenant at http:\/\/127\.0\.0\.1:\d+\/$/),
    'ok GET /stock without a token: 401 with a Bearer challenge',
    'ok GET /stock as Stock Reader (read:stock) through @m2m/auth/token + @m2m/auth/http: 200',
    'ok POST /stock as Stock Reader (no write:stock): 403 insufficient_scope',
    'ok POST /stock as Stock Keeper (read:stock write:stock): 200',
    'ok m2m call GET /stock as Stock Reader: exit 0, the body on stdout',
    'ok m2m call POST /stock as Stock Reader: 403, exit 1',
    'ok m2m call POST /stock as Stock Keeper: exit 0',
    'ok m2m call with a wrong client secret: no token, exit 3',
    'ok m2m tenant check tenant.json: exit 0 (the CLI loads @m2m/auth-server)',
    expect.stringMatching(/^ok m2m-tenant --version: /),
    'ok m2m-tenant: its one-time link signs in to /dashboard, whose scripts and styles ship',
  ])
  const authServer = report.tarballs.find((tarball) => tarball.name === '@m2m/auth-server')
  expect(authServer?.files.filter((file) => file.startsWith('dashboard-assets/')).sort()).toEqual([
    'dashboard-assets/dashboard.css',
    'dashboard-assets/dashboard.js',
    'dashboard-assets/live-log.js',
    'dashboard-assets/try-it.js',
  ])
})
