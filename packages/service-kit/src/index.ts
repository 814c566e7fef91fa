export {
  ConfigError,
  isLoopbackHost,
  readFlag,
  readHttpUrl,
  readInteger,
  readIssuer,
  readLogLevel,
} from './env.js'
export { type OpenApiOptions, registerOpenApi } from './openapi.js'
export { exitGracefully, failStartup, listenOrExit, loadConfigOrExit } from './shutdown.js'
