/**
 * On SIGINT or SIGTERM, runs `close` once (finish in-flight work, release
 * resources) and exits 0; if it takes longer than `graceMs`, exits 1.
 */
export function exitGracefully(logger, close, graceMs = 10_000) {
  let closing = false
  const shutdown = async (signal) => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down: finishing in-flight requests')
    setTimeout(() => process.exit(1), graceMs).unref()
    await close()
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
}
/** Writes `<service>: <message>` to stderr and exits 1: for start-up failures. */
export function failStartup(service, message) {
  process.stderr.write(`${service}: ${message}\n`)
  process.exit(1)
}
