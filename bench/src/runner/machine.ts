import { cpus, totalmem } from 'node:os'
import { pinning } from './processes.js'

/** What the figures were measured on. */
export function describeMachine() {
  const cores = cpus()
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    pinning: pinning
      ? `servers on core ${pinning.server}, load on core ${pinning.load} (taskset)`
      : 'none (no taskset or one core)',
  }
}
