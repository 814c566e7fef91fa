export {
  CodedError,
  type CodedErrorConstructor,
  defineError,
  InvalidRequestError,
} from './coded-error.js'
export {
  ConfigError,
  isLoopbackHost,
  readFlag,
  readHttpUrl,
  readInteger,
  readIssuer,
  readLogLevel,
} from './env.js'
export { type AnswerErrorsOptions, answerErrors } from './error-handler.js'
export { type HealthRoutesOptions, healthRoutes, type Readiness } from './health-routes.js'
export { useStrictJsonBodies } from './json-body.js'
export { type OpenApiOptions, registerOpenApi } from './openapi.js'
export {
  type ProtectedApiOptions,
  type RequestAuth,
  type RouteScopes,
  registerProtectedApi,
} from './protected-api.js'
export { nameFieldsInSchemaErrors } from './schema-errors.js'
export { serviceServerOptions } from './server-options.js'
export { exitGracefully, failStartup, listenOrExit, loadConfigOrExit } from './shutdown.js'
export { holdTickObjectShape } from './tick-object-shape.js'
