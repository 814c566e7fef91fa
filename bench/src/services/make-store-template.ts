/** Child process: creates the PGlite template directory given as argument (initdb + migrations). */
import { openStore } from '@m2m/gift-deliveries'
import { announce } from '../runner/processes.js'

await announce(async () => {
  const [dir] = process.argv.slice(2)
  if (!dir) throw new Error('usage: make-store-template <dir>')
  const store = await openStore({ dataDir: dir })
  await store.close()
  return {}
})
