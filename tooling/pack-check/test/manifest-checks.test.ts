import { describe, expect, it } from 'vitest'
import {
  importedPackages,
  type PackedManifestInput,
  packedManifestProblems,
  undeclaredImports,
  withoutCondition,
} from '../src/index.js'

const workspaceExports = {
  '.': { '@m2m/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
  './package.json': './package.json',
}

function validInput(): PackedManifestInput {
  return {
    workspace: { name: '@m2m/thing', exports: workspaceExports },
    packed: {
      name: '@m2m/thing',
      version: '0.1.0',
      license: 'MIT',
      type: 'module',
      bin: { thing: './dist/main.js' },
      exports: withoutCondition(workspaceExports, '@m2m/source'),
      dependencies: { '@m2m/auth': '0.1.0', undici: '^7.30.2' },
      devDependencies: { '@m2m/test-kit': '0.0.0' },
    },
    files: [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/main.js',
    ],
    published: new Set(['@m2m/auth', '@m2m/thing']),
    firstLine: () => '#!/usr/bin/env node',
  }
}

describe('packedManifestProblems', () => {
  it('finds nothing wrong with a packable manifest', () => {
    expect(packedManifestProblems(validInput())).toEqual([])
  })

  // Each problem expected, and no other.
  const cases: {
    name: string
    change: (input: PackedManifestInput) => void
    problems: RegExp[]
  }[] = [
    {
      name: 'a tarball without the licence',
      change: (i) => {
        i.files = i.files.filter((f) => f !== 'LICENSE')
      },
      problems: [/the tarball has no LICENSE/],
    },
    {
      name: 'a tarball without a README',
      change: (i) => {
        i.files = i.files.filter((f) => f !== 'README.md')
      },
      problems: [/the tarball has no README\.md/],
    },
    {
      name: 'sources shipped',
      change: (i) => {
        i.files = [...i.files, 'src/index.ts']
      },
      problems: [/ships src\/index\.ts/],
    },
    {
      name: 'a private key shipped',
      change: (i) => {
        i.files = [...i.files, 'tenants/dev/keys/client.private.pem']
      },
      problems: [/ships the secret tenants\/dev\/keys\/client\.private\.pem/],
    },
    {
      name: 'the @m2m/source condition left in the packed exports',
      change: (i) => {
        i.packed.exports = workspaceExports
      },
      // and so: the packed exports differ from publishConfig's, and src/ is not shipped
      problems: [
        /still name the @m2m\/source condition/,
        /packed "exports" differ/,
        /exports \.\/src\/index\.ts, not in the tarball/,
      ],
    },
    {
      name: 'publishConfig.exports out of step with exports (a subpath missing)',
      change: (i) => {
        i.workspace.exports = { ...workspaceExports, './testing': './dist/testing/index.js' }
      },
      problems: [/packed "exports" differ/],
    },
    {
      name: 'an export whose file is not in the tarball',
      change: (i) => {
        i.files = i.files.filter((f) => f !== 'dist/index.d.ts')
      },
      problems: [/exports \.\/dist\/index\.d\.ts, not in the tarball/],
    },
    {
      name: 'a bin without a shebang',
      change: (i) => {
        i.firstLine = () => "import './program.js'"
      },
      problems: [/bin thing \(\.\/dist\/main\.js\) does not start with #!\/usr\/bin\/env node/],
    },
    {
      name: 'a workspace: range npm cannot resolve',
      change: (i) => {
        i.packed.dependencies = { '@m2m/auth': 'workspace:*' }
      },
      problems: [/dependencies\.@m2m\/auth is "workspace:\*"/],
    },
    {
      name: 'a dependency on a workspace package that is not published',
      change: (i) => {
        i.packed.dependencies = { '@m2m/test-kit': '0.0.0' }
      },
      problems: [/dependencies\.@m2m\/test-kit is a workspace package that is not published/],
    },
    {
      name: 'a private package',
      change: (i) => {
        i.packed.private = true
      },
      problems: [/"private": true/],
    },
    {
      name: 'another licence',
      change: (i) => {
        i.packed.license = 'ISC'
      },
      problems: [/license is ISC, not MIT/],
    },
  ]
  for (const { name, change, problems } of cases) {
    it(`refuses ${name}`, () => {
      const input = validInput()
      change(input)
      expect(packedManifestProblems(input)).toEqual(problems.map((p) => expect.stringMatching(p)))
    })
  }
})

describe('importedPackages', () => {
  it('reads static, dynamic, side-effect and require imports, not relative ones or built-ins', () => {
    const source = [
      "import pino from 'pino';",
      "import { Agent } from 'undici';",
      "export { x } from '@fastify/error/lib/x.js';",
      "import 'reflect-metadata';",
      "const { Redis } = await import('ioredis');",
      "const lucene = createRequire(import.meta.url)('lucene');",
      "const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');",
      "import { join } from 'node:path';",
      "import { readFile } from 'fs/promises';",
      "import { here } from './here.js';",
    ].join('\n')
    expect([...importedPackages(source)].sort()).toEqual([
      '@fastify/error',
      '@opentelemetry/exporter-trace-otlp-http',
      'ioredis',
      'lucene',
      'pino',
      'reflect-metadata',
      'undici',
    ])
  })

  // The regression this package found first: @m2m/auth's root entry imports pino
  // (createServiceLogger) while pino was only a devDependency.
  it('names an import that only a devDependency provides', () => {
    const manifest = {
      name: '@m2m/auth',
      dependencies: { undici: '^7.30.2' },
      peerDependencies: { fastify: '^5.0.0' },
      devDependencies: { pino: '^10.4.0' },
    }
    const source =
      "import pino from 'pino';\nimport { Agent } from 'undici';\nimport f from 'fastify';"
    expect(undeclaredImports(manifest, source)).toEqual(['pino'])
  })
})
