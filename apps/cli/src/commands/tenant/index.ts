import type { Command } from 'commander'
import type { CliContext } from '../../io.js'
import { registerCheckCommand } from './check.js'

/** `m2m tenant check`: tenant files of the local tenant (apps/auth-server), offline. */
export function registerTenantCommand(program: Command, ctx: CliContext): void {
  const tenant = program
    .command('tenant')
    .summary('check a tenant.yaml (Auth0 Deploy CLI export) for the local tenant, offline')
    .description(
      'Tenant files of the local Auth0-compatible tenant (apps/auth-server, the m2m-tenant bin):\n' +
        'an Auth0 Deploy CLI tenant.yaml export, or its JSON form.',
    )
  registerCheckCommand(tenant, ctx)
}
