export { CliError, ExitCode, type ExitCodeValue } from './errors.js'
export type { CliIo } from './io.js'
export { createProgram, runCli } from './program.js'
