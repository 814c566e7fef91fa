export {
  type CodedErrorLike,
  type ErrorTableOptions,
  errorTableProblems,
  readErrorTable,
} from './error-table.js'
export { captureLogLines } from './log-lines.js'
export { freePort } from './ports.js'
export {
  type PostgresServer,
  type PostgresServerOptions,
  startPostgresServer,
} from './postgres-server.js'
export { onPath, stopChild, waitForOutput } from './processes.js'
export { findRedisServer, type RedisServer, startRedisServer } from './redis-server.js'
