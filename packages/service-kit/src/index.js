export {
  ConfigError,
  isLoopbackHost,
  readFlag,
  readHttpUrl,
  readInteger,
  readIssuer,
  readLogLevel,
} from './env.js'
export { exitGracefully, failStartup } from './shutdown.js'
