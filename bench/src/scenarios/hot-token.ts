import { BENCH_AUDIENCE, CLIENTS } from '../runner/bench-tenant.js'
import { describeLoad } from '../runner/format.js'
import type { Scenario } from '../runner/types.js'
import { measureResourceServers, oursOver, RESOURCE_NOTES } from './resource-servers.js'

/** Scenario 1: one valid token on every request, the same route on every variant. */
export const hotToken: Scenario = {
  id: '1',
  title: 'Resource server, hot token',
  async run(context) {
    const token = await context.tenant.token(CLIENTS.fleetDevice, BENCH_AUDIENCE)
    const measured = await measureResourceServers(context, {
      title: `GET /resource with one valid RS256 token, ${describeLoad(context.settings)}`,
      checkToken: token,
      authorizations: [`Bearer ${token}`],
    })
    return {
      tables: [measured.table],
      notes: RESOURCE_NOTES,
      failures: measured.failures,
      targets: [
        oursOver(measured, 'fastify-no-auth', 0.95, 'cpu'),
        oursOver(measured, 'fastify-auth0-verify', 3, 'cpu'),
        oursOver(measured, 'express-oauth2-jwt-bearer', 7, 'cpu'),
      ],
      measurements: { rounds: measured.rounds, control: measured.control, floor: measured.floor },
    }
  },
}
