#!/usr/bin/env node
// `m2m-tenant`: the local Auth0-compatible tenant from the built code (`dist/`,
// made by `pnpm --filter @m2m/auth-server build`). `m2m-tenant --help` for usage.
import '../dist/standalone/main.js'
