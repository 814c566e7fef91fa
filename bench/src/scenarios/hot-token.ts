import { createDpopKey } from '@m2m/auth/dpop'
import { boundToken, checkDpopEndpoint } from '../dpop/dpop-tokens.js'
import type { FreshSpec } from '../load/load-job.js'
import { BENCH_AUDIENCE, BENCH_DPOP_AUDIENCE, CLIENTS } from '../runner/bench-tenant.js'
import { count, describeLoad } from '../runner/format.js'
import { benchScript, profileFlags } from '../runner/paths.js'
import { type Child, cpuTimeOf, isMessage, startReadyChild } from '../runner/processes.js'
import { ratioSpread } from '../runner/rounds.js'
import { checkedTwoAtOnce, roundsTarget, type Scenario } from '../runner/types.js'
import { RESOURCE_BODY, RESOURCE_PATH } from '../servers/variants.js'
import { pairedNote } from './paired-figures.js'
import {
  type ExtraSide,
  measureOursTwoAtOnce,
  measureResourceServers,
  oursOver,
  oursOverEmptyHook,
  peerOverNoAuth,
  RESOURCE_NOTES,
} from './resource-servers.js'

/** What one DPoP proof check costs on the server core (`serve-dpop.ts`). */
interface ProofCheckCost {
  es256VerifyMicros: number
  jwkImportMicros: number
  proofCheckMicros: number
}

const DPOP_ID = 'm2m-auth-fastify-dpop'

/**
 * Scenario 1: one valid token on every request, the same route on every
 * variant; and ours again on the same route with a DPoP-bound token and a new
 * proof per request (issue 18), against ours with the bearer token.
 */
export const hotToken: Scenario = {
  id: '1',
  title: 'Resource server, hot token',
  async run(context) {
    const { tenant, load, settings } = context
    const token = await tenant.token(CLIENTS.fleetDevice, BENCH_AUDIENCE)
    let dpopServer: Child | undefined
    try {
      const key = createDpopKey({ alg: 'ES256' })
      const spec: FreshSpec = {
        kind: 'dpop',
        pool: 'scenario-1-dpop',
        privateKeyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        htm: 'GET',
        htu: '',
        accessToken: '',
        // A little under what the server answers on a quiet machine (~130 µs a request).
        initialRatePerSecond: 7_000,
      }
      const proofs = { made: 0, ms: 0 }
      const fill = async (seconds: number) => {
        const made = await load.prepare(spec, seconds)
        proofs.made += made.made
        proofs.ms += made.ms
      }
      let cost: ProofCheckCost | undefined
      const server = () => {
        if (!dpopServer) throw new Error('the DPoP server did not start')
        return dpopServer
      }
      const job = { url: '', connections: settings.connections, fresh: { pool: spec.pool } }
      const dpopSide: ExtraSide = {
        id: DPOP_ID,
        label: 'Fastify + @m2m/auth/fastify, DPoP-bound token + a new proof per request (ours)',
        // After the no-auth copy that closes ours' trio, so ours and its limit stay back to back.
        measuredAfter: 'fastify-no-auth-b',
        shownAfter: 'm2m-auth-fastify',
        job,
        cpuMicros: () => cpuTimeOf(server()),
        beforeRun: fill,
        async prepare() {
          const started = await startReadyChild<{ port: number }>({
            name: 'dpop-server',
            script: benchScript('servers/serve-dpop.ts'),
            role: 'server',
            env: { BENCH_ISSUER: tenant.issuer, BENCH_AUDIENCE: BENCH_DPOP_AUDIENCE },
            ...(settings.cpuProfile ? { nodeFlags: profileFlags(DPOP_ID) } : {}),
          })
          dpopServer = started.child
          const url = `http://127.0.0.1:${started.ready.port}${RESOURCE_PATH}`
          spec.htu = url
          job.url = url
          spec.accessToken = await boundToken(tenant, key)
          await checkDpopEndpoint({
            url,
            key,
            boundToken: spec.accessToken,
            bearerToken: await tenant.token(CLIENTS.dpop, BENCH_DPOP_AUDIENCE),
            body200: RESOURCE_BODY,
          })
          const answer = started.child.nextMessage(
            (m): m is { type: 'micro' } & ProofCheckCost => isMessage(m, 'micro'),
            60_000,
          )
          started.child.send({ type: 'micro' })
          cost = await answer
          if (settings.warmupSeconds > 0) {
            await fill(settings.warmupSeconds)
            await load.run({ ...job, warmupSeconds: 0, durationSeconds: settings.warmupSeconds })
          }
        },
      }

      const measured = await measureResourceServers(context, {
        title: `GET /resource with one valid RS256 token, ${describeLoad(settings)}`,
        checkToken: token,
        authorizations: [`Bearer ${token}`],
        extraSides: [dpopSide],
      })
      const twoAtOnce = await measureOursTwoAtOnce(context, [`Bearer ${token}`], {
        aa: 'two at once, A/A: a second Fastify no-auth / Fastify no-auth (CPU per request)',
        ours: 'two at once: ours / Fastify no-auth (CPU per request)',
      })
      const dpop = measured.extraRounds[DPOP_ID]
      const ours = measured.rounds['m2m-auth-fastify']
      const notes = [...RESOURCE_NOTES, pairedNote(context)]
      if (dpop) {
        notes.push(
          `DPoP row (issue 18): ours on the same route, DPoP allowed (the plugin's default), in a server of its own for the bench's DPoP-allowed API (urn:bench-dpop): a token the tenant bound to an ES256 key (cnf.jkt) and a new proof for every request (its own jti, ath of the token, htm and htu of the route, a recent iat), ${count(proofs.made)} proofs made by the load worker on the load core before the runs that send them (${(proofs.ms / 1000).toFixed(1)} s, not measured)${dpop.madeDuringRun > 0 ? `, ${count(dpop.madeDuringRun)} more during the runs when the pool ran dry` : ''}; its replay cache is sized for the run (2,000,000 jtis); checked first: a replayed proof, the bound token as a bearer token or with no proof, a proof for another URL or by another key and the token tampered with get 401, a bearer token for the same API gets 200`,
        )
      }
      if (cost) {
        notes.push(
          `one DPoP proof check on the server core, CPU per call: ES256 signature ${cost.es256VerifyMicros.toFixed(1)} µs, importing the proof's JWK ${cost.jwkImportMicros.toFixed(1)} µs (once per proof header: the parsed key and thumbprint are cached by header, never a verdict), the whole verifyDpopProof with the key cached ${cost.proofCheckMicros.toFixed(1)} µs`,
        )
      }
      return {
        tables: [measured.table],
        notes,
        failures: [...measured.failures, ...(twoAtOnce.failure ? [twoAtOnce.failure] : [])],
        targets: [
          checkedTwoAtOnce(oursOver(measured, 'fastify-no-auth', 0.95, 'cpu'), twoAtOnce.ours),
          oursOver(measured, 'fastify-auth0-verify', 3, 'cpu'),
          oursOver(measured, 'express-oauth2-jwt-bearer', 7, 'cpu'),
          roundsTarget(
            'ours with a DPoP-bound token + proof / ours with a bearer token, same route (CPU per request)',
            ratioSpread(dpop?.cpuMicrosPerRequest ?? [], ours?.cpuMicrosPerRequest ?? []),
            2,
            measured.floor,
            'ratio-at-most',
          ),
        ],
        figures: [
          ...oursOverEmptyHook(measured),
          ...peerOverNoAuth(measured, 'fastify-auth0-verify'),
          ...twoAtOnce.figures,
          ...(cost
            ? [
                {
                  name: 'ES256 signature check of a DPoP proof, on the server core (CPU per call)',
                  value: cost.es256VerifyMicros,
                  unit: 'µs',
                },
                {
                  name: 'whole DPoP proof check (verifyDpopProof, key cached), on the server core (CPU per call)',
                  value: cost.proofCheckMicros,
                  unit: 'µs',
                },
              ]
            : []),
        ],
        measurements: {
          rounds: measured.rounds,
          dpop,
          dpopProofs: proofs,
          proofCheckCost: cost,
          control: measured.control,
          floor: measured.floor,
          ...(twoAtOnce.paired ? { twoAtOnce: twoAtOnce.paired } : {}),
        },
      }
    } finally {
      await dpopServer?.stop()
    }
  },
}
