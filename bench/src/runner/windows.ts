/** One second of load as autocannon's `tick` reports it, with the server's CPU time then. */
export interface Tick {
  /** Responses in that second. */
  responses: number
  /** The server's CPU time (user + system) at the tick, µs. */
  cpuMicros: number
}

/**
 * CPU per response in µs, window by window: each window `ticksPerWindow`
 * ticks long, its CPU from the tick before it to its last; a last window
 * cut short is left out, and so is the first tick (it has no CPU before it).
 */
export function cpuPerResponseByWindow(ticks: readonly Tick[], ticksPerWindow: number): number[] {
  const windows: number[] = []
  for (let end = ticksPerWindow; end < ticks.length; end += ticksPerWindow) {
    const start = ticks[end - ticksPerWindow] as Tick
    const last = ticks[end] as Tick
    let responses = 0
    for (let i = end - ticksPerWindow + 1; i <= end; i++) responses += (ticks[i] as Tick).responses
    windows.push(responses > 0 ? (last.cpuMicros - start.cpuMicros) / responses : Number.NaN)
  }
  return windows
}
