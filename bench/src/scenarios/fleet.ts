import { fleetTokens } from '../fleet/fleet-tokens.js'
import { count, describeLoad } from '../runner/format.js'
import { checkedTwoAtOnce, type Scenario } from '../runner/types.js'
import { pairedNote } from './paired-figures.js'
import {
  measureOursTwoAtOnce,
  measureResourceServers,
  oursOver,
  oursOverEmptyHook,
  peerOverNoAuth,
  RESOURCE_NOTES,
} from './resource-servers.js'

/** Scenario 2: every request carries the next of `fleetSize` distinct device tokens. */
export const fleet: Scenario = {
  id: '2',
  title: 'Resource server, fleet of distinct tokens',
  async run(context) {
    const size = context.settings.fleetSize
    const started = performance.now()
    const tokens = await fleetTokens(context.tenant, size)
    context.log(
      `  ${count(size)} device tokens ready in ${Math.round(performance.now() - started)} ms`,
    )
    const authorizations = tokens.map((token) => `Bearer ${token}`)
    const measured = await measureResourceServers(context, {
      title: `GET /resource with ${count(size)} distinct valid tokens round robin, ${describeLoad(context.settings)}`,
      checkToken: tokens[tokens.length - 1] as string,
      authorizations,
      warmupPass: true,
    })
    const twoAtOnce = await measureOursTwoAtOnce(context, authorizations, {
      aa: `two at once, A/A: a second Fastify no-auth / Fastify no-auth, fleet of ${count(size)} (CPU per request)`,
      ours: `two at once: ours / Fastify no-auth, fleet of ${count(size)} (CPU per request)`,
    })
    return {
      tables: [measured.table],
      notes: [
        ...RESOURCE_NOTES,
        `one M2M client per device (seed 003's IoT fleet): device 0's token from the tenant's /oauth/token, the others signed with the tenant's current key in a form checked byte for byte against it (src/fleet/fleet-tokens.ts)`,
        'each variant first gets one pass over the whole fleet, then the timed warm-up: caches are at their steady state (a cache smaller than the fleet misses every time)',
        `${pairedNote(context)}; each server of a pair gets the fleet's tokens in turn, from the first`,
      ],
      failures: [...measured.failures, ...(twoAtOnce.failure ? [twoAtOnce.failure] : [])],
      targets: [
        checkedTwoAtOnce(oursOver(measured, 'fastify-no-auth', 0.95, 'cpu'), twoAtOnce.ours),
        oursOver(measured, 'fastify-auth0-verify', 3, 'cpu'),
      ],
      figures: [
        ...oursOverEmptyHook(measured),
        ...peerOverNoAuth(measured, 'fastify-auth0-verify'),
        ...twoAtOnce.figures,
      ],
      measurements: {
        fleetSize: size,
        rounds: measured.rounds,
        control: measured.control,
        floor: measured.floor,
        ...(twoAtOnce.paired ? { twoAtOnce: twoAtOnce.paired } : {}),
      },
    }
  },
}
