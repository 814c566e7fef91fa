import type { ServiceSpec } from './services.js'

/**
 * What the stack prints once all three services are ready: where each one is,
 * and commands to paste into a shell (they are run as printed by the e2e test).
 */
export function readyBanner(
  services: { spec: ServiceSpec; pid: number | undefined }[],
  storefront: { clientId: string; clientSecret: string },
): string {
  const url = (name: ServiceSpec['name']) => {
    const service = services.find((s) => s.spec.name === name)
    return service ? `http://localhost:${service.spec.port}` : ''
  }
  const lines = [
    '',
    'm2m is up: auth-server (dev tenant), world-mappers and gift-deliveries.',
    '',
    ...services.map(
      ({ spec, pid }) => `  ${spec.name.padEnd(16)} ${spec.landing}  (pid ${pid ?? '?'})`,
    ),
    '',
    "Try it (the Storefront client's LOCAL-ONLY dev credentials):",
    '',
    `TOKEN=$(curl -s ${url('auth-server')}/oauth/token -H 'content-type: application/json' -d '{"grant_type":"client_credentials","client_id":"${storefront.clientId}","client_secret":"${storefront.clientSecret}","audience":"urn:gift-deliveries"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    `curl -s ${url('gift-deliveries')}/deliveries -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"recipient":{"name":"Ada Lovelace"},"gift":{"description":"A mechanical calculator"},"destination":"Auth0 Office"}'`,
    `curl -s ${url('gift-deliveries')}/deliveries -H "authorization: Bearer $TOKEN"`,
    '',
    'Or with the CLI: pnpm m2m --help',
    'Ctrl-C stops all three (in-flight requests finish first).',
    '',
  ]
  return lines.join('\n')
}
