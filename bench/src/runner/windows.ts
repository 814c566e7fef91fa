/** One second of load, with the server's CPU time (µs) at its end. */
export interface Tick {
  /** Responses in that second. */
  responses: number
  /** The server's CPU time in user space at the tick. */
  userMicros: number
  /** The server's CPU time in the kernel at the tick. */
  systemMicros: number
}

/** CPU per response in one window, µs: user space and kernel. */
export interface WindowCost {
  user: number
  system: number
}

/**
 * CPU per response window by window: each window `ticksPerWindow` ticks
 * long, its CPU from the tick before it to its last; a last window cut short
 * is left out, and so is the first tick (it has no CPU before it).
 */
export function cpuPerResponseByWindow(
  ticks: readonly Tick[],
  ticksPerWindow: number,
): WindowCost[] {
  const windows: WindowCost[] = []
  for (let end = ticksPerWindow; end < ticks.length; end += ticksPerWindow) {
    const start = ticks[end - ticksPerWindow] as Tick
    const last = ticks[end] as Tick
    let responses = 0
    for (let i = end - ticksPerWindow + 1; i <= end; i++) responses += (ticks[i] as Tick).responses
    windows.push(
      responses > 0
        ? {
            user: (last.userMicros - start.userMicros) / responses,
            system: (last.systemMicros - start.systemMicros) / responses,
          }
        : { user: Number.NaN, system: Number.NaN },
    )
  }
  return windows
}
