import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { adminAuthorization, buildTestServer } from './test-server.js'

type TestServer = Awaited<ReturnType<typeof buildTestServer>>

/**
 * A test server with its own DATA_DIR for each test, and Management API calls
 * as the test tenant's admin. `restart()` opens the same DATA_DIR again.
 */
export function managementServerPerTest(prefix: string) {
  let dataDir: string
  let server: TestServer
  let auth: { authorization: string }

  const open = async () => {
    server = await buildTestServer({ dataDir })
    auth = await adminAuthorization(server.app)
  }
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), `${prefix}-`))
    await open()
  })
  afterEach(async () => {
    await server.app.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  return {
    get server(): TestServer {
      return server
    },
    /** This test's DATA_DIR. */
    get dataDir(): string {
      return dataDir
    },
    /** A Management API request with the admin's token. */
    call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
      return server.app.inject({
        method,
        url,
        headers: auth,
        ...(payload ? { payload: payload as object } : {}),
      })
    },
    async restart(): Promise<void> {
      await server.app.close()
      await open()
    },
  }
}
