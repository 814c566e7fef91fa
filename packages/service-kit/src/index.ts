export {
  ConfigError,
  isLoopbackHost,
  readFlag,
  readHttpUrl,
  readInteger,
  readIssuer,
  readLogLevel,
} from './env.js'
export { useStrictJsonBodies } from './json-body.js'
export { type OpenApiOptions, registerOpenApi } from './openapi.js'
export { nameFieldsInSchemaErrors } from './schema-errors.js'
export { exitGracefully, failStartup, listenOrExit, loadConfigOrExit } from './shutdown.js'
