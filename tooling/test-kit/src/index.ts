export {
  type AllocationSampling,
  type AllocationSites,
  sampleAllocations,
  startAllocationSampling,
} from './allocation-sampling.js'
export {
  type CodedErrorLike,
  type ErrorTableOptions,
  errorTableProblems,
  readErrorTable,
} from './error-table.js'
export { type HttpAnswer, type HttpResponseLike, readHttpAnswer } from './http-answer.js'
export { captureLogLines } from './log-lines.js'
export { freePort } from './ports.js'
export {
  type PostgresServer,
  type PostgresServerOptions,
  startPostgresServer,
} from './postgres-server.js'
export { onPath, stopChild, waitForOutput } from './processes.js'
export { findRedisServer, type RedisServer, startRedisServer } from './redis-server.js'
export { type ClientCredentials, clientCredentials, readTenantKeywords } from './tenant-keywords.js'
