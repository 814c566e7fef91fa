import { BENCH_AUDIENCE, CLIENTS } from '../runner/bench-tenant.js'
import { describeLoad } from '../runner/format.js'
import { type Scenario, target } from '../runner/types.js'
import {
  measureResourceServers,
  oursOver,
  oursOverByCpu,
  RESOURCE_NOTES,
} from './resource-servers.js'

/** Scenario 1: one valid token on every request, the same route on every variant. */
export const hotToken: Scenario = {
  id: '1',
  title: 'Resource server, hot token',
  async run(context) {
    const token = await context.tenant.token(CLIENTS.fleetDevice, BENCH_AUDIENCE)
    const { table, failures, figures } = await measureResourceServers(context, {
      title: `GET /resource with one valid RS256 token, ${describeLoad(context.settings)}`,
      checkToken: token,
      authorizations: [`Bearer ${token}`],
    })
    return {
      tables: [table],
      notes: RESOURCE_NOTES,
      failures,
      targets: [
        target('ours / Fastify no-auth (req/s)', oursOver(figures, 'fastify-no-auth'), 0.95),
        target(
          'ours / express-oauth2-jwt-bearer (req/s)',
          oursOver(figures, 'express-oauth2-jwt-bearer'),
          7,
        ),
        target('ours / fastify-auth0-verify (req/s)', oursOver(figures, 'fastify-auth0-verify'), 3),
        target(
          'ours / Fastify no-auth (CPU per request)',
          oursOverByCpu(figures, 'fastify-no-auth'),
          0.95,
        ),
        target(
          'ours / express-oauth2-jwt-bearer (CPU per request)',
          oursOverByCpu(figures, 'express-oauth2-jwt-bearer'),
          7,
        ),
        target(
          'ours / fastify-auth0-verify (CPU per request)',
          oursOverByCpu(figures, 'fastify-auth0-verify'),
          3,
        ),
      ],
      measurements: { figures },
    }
  },
}
