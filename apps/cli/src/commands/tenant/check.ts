import { resolve } from 'node:path'
import type { Command } from 'commander'
import { loadEnvLayers } from '../../config/env-layers.js'
import { CliError, ExitCode, usageError } from '../../errors.js'
import type { CliContext } from '../../io.js'
import { printJson, printText } from '../../output.js'
import { formatCheckReport } from './check-report.js'

interface CheckFlags {
  keywordMappings?: string
  issuer?: string
  json?: boolean
  envFile?: string
}

/**
 * `m2m tenant check <file>`: what the local tenant would make of a tenant
 * file — what loads, what it ignores, what it refuses, each with its line —
 * with no server, through the tenant's own loader. Exit 0 when it would
 * load, 5 (`REFUSED`) when it would not start, 2 when there is nothing to
 * check (no such file, bad flags).
 */
export function registerCheckCommand(tenant: Command, ctx: CliContext): void {
  tenant
    .command('check')
    .summary('say what the local tenant would load, ignore and refuse in a tenant file')
    .description(
      "Validates a tenant file offline with the local tenant's own loader (no server): what\n" +
        'would load (APIs, clients, grants, organizations, actions), what is ignored (sections\n' +
        'and fields nothing M2M reads), and what is refused (YAML/JSON syntax, ##KEYWORD##\n' +
        'without a value, schema, references), each with its line. Exits 5 if the tenant would\n' +
        'refuse the file. keywords.json beside the file is read, as the tenant reads it.',
    )
    .argument('<file>', 'tenant.yaml, .yml or .json')
    .option(
      '-k, --keyword-mappings <json|file>',
      '##KEYWORD## values: a JSON object or a JSON file (env AUTH0_KEYWORD_REPLACE_MAPPINGS)',
    )
    .option(
      '--issuer <url>',
      "the local tenant's issuer: its Management API is <issuer>api/v2/ (env ISSUER_BASE_URL; default http://localhost:4000/)",
    )
    .option('--json', 'the report as JSON')
    .option('--env-file <path>', 'read variables from this file instead of ./.env')
    .addHelpText(
      'after',
      `
Examples:
  $ m2m tenant check ./tenant.yaml
  $ m2m tenant check ./tenant.yaml --keyword-mappings '{"ENV":"dev"}'
  $ AUTH0_KEYWORD_REPLACE_MAPPINGS="$(cat mappings.json)" m2m tenant check tenant.yaml --json`,
    )
    .action(async (file: string, flags: CheckFlags) => {
      const env = loadEnvLayers(ctx.io, flags.envFile)
      // Loaded here only: the tenant's code is not needed by any other command.
      const tenant = await import('@m2m/auth-server')
      const path = resolve(ctx.io.cwd, file)
      try {
        const mappingsFlag = flags.keywordMappings
        const mappingsEnv = env.get('AUTH0_KEYWORD_REPLACE_MAPPINGS')
        const keywordMappings =
          mappingsFlag !== undefined
            ? await tenant.readKeywordMappingsArgument(mappingsFlag, ctx.io.cwd)
            : mappingsEnv !== undefined
              ? // JSON only, as the Deploy CLI reads the variable.
                tenant.parseKeywordMappings(mappingsEnv, 'AUTH0_KEYWORD_REPLACE_MAPPINGS')
              : undefined
        const report = await tenant.checkTenantFile(path, {
          issuer: flags.issuer ?? env.get('ISSUER_BASE_URL') ?? tenant.DEFAULT_CHECK_ISSUER,
          ...(keywordMappings ? { keywordMappings } : {}),
        })
        if (flags.json) printJson(ctx.io, report)
        else printText(ctx.io, formatCheckReport(report, file))
        if (!report.ok) throw new CliError('', ExitCode.REFUSED)
      } catch (error) {
        // Nothing to check: no such file, a name that is not .yaml/.json, bad mappings or issuer.
        if (error instanceof tenant.TenantError) throw usageError(error.message)
        throw error
      }
    })
}
