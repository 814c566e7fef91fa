/** Child process: one resource-server variant on 127.0.0.1 (port in the ready message). */
import { announce, answerCpuUsage } from '../runner/processes.js'
import { buildVariant, isVariantId } from './variants.js'

await announce(async () => {
  const [id] = process.argv.slice(2)
  const issuer = process.env.BENCH_ISSUER
  const audience = process.env.BENCH_AUDIENCE
  if (!isVariantId(id)) throw new Error(`unknown variant ${id}`)
  if (!issuer || !audience) throw new Error('BENCH_ISSUER and BENCH_AUDIENCE are required')
  const { port } = await buildVariant(id, { issuer, audience })
  return { port }
})
answerCpuUsage()
