import { cp, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { benchScript, cacheDir } from '../runner/paths.js'
import { startReadyChild } from '../runner/processes.js'

const template = join(cacheDir, 'pglite-template')
let ready: Promise<void> | undefined

/**
 * A fresh PGlite data directory for one service, copied from a template that
 * is made (initdb + migrations, seconds of WASM work, in a child process so
 * this one stays responsive) once and kept in bench/.cache: opening a copy
 * takes a fraction of a second. Its deliveries table is empty.
 */
export async function freshStoreDir(name: string): Promise<string> {
  ready ??= stat(join(template, 'pglite')).then(
    () => undefined,
    async () => {
      await rm(template, { recursive: true, force: true })
      const { child } = await startReadyChild(
        {
          name: 'store-template',
          script: benchScript('services/make-store-template.ts'),
          args: [template],
        },
        120_000,
      )
      await child.stop()
    },
  )
  await ready
  const dir = join(cacheDir, `pglite-${name}`)
  await rm(dir, { recursive: true, force: true })
  await cp(template, dir, { recursive: true })
  return dir
}
