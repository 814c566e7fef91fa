import type { PairedSettings } from './paired-windows.js'

export interface BenchSettings {
  quick: boolean
  /** Scenario ids to run; all when empty. */
  only: string[]
  connections: number
  warmupSeconds: number
  durationSeconds: number
  /** Alternating rounds of each side-by-side comparison (one run of durationSeconds each). */
  rounds: number
  /** Unmeasured load on a side right before each of its measured runs. */
  settleSeconds: number
  /** Distinct device tokens of scenario 2. */
  fleetSize: number
  /** Concurrent `getToken()` callers of scenario 3 (ours and the auth0 SDK). */
  concurrentCallers: number
  /** Callers of the naive client in scenario 3: each one is an exchange. */
  naiveCallers: number
  /** In-process geocoder calls per operation (scenario 5). */
  geocoderCalls: number
  /** Write a V8 CPU profile of our resource server and services (bench/.cache/profiles). */
  cpuProfile: boolean
  /** Scenarios 1 and 8's pairs measured two at once besides the rounds (`runner/paired-windows.ts`). */
  paired: PairedSettings
}

const FULL = {
  connections: 50,
  warmupSeconds: 5,
  durationSeconds: 6,
  rounds: 5,
  settleSeconds: 1,
  fleetSize: 10_000,
  concurrentCallers: 10_000,
  naiveCallers: 10_000,
  geocoderCalls: 20_000,
  paired: { connections: 25, windows: 12, seconds: 5, warmUpSeconds: 5 },
}

// Short runs: the figures are rough, the checks the same. autocannon counts whole seconds
// (it stops on its one-second tick), so one second with no separate warm-up is the least.
const QUICK = {
  connections: 50,
  warmupSeconds: 0,
  durationSeconds: 1,
  rounds: 1,
  settleSeconds: 0,
  fleetSize: 1_000,
  concurrentCallers: 10_000,
  naiveCallers: 500,
  geocoderCalls: 2_000,
  paired: { connections: 25, windows: 2, seconds: 1, warmUpSeconds: 0 },
}

export const USAGE = `pnpm bench [--quick] [--only 1,2] [--duration seconds] [--rounds n] [--cpu-prof]

  --quick        short runs (CI): every check, rough figures, under a minute
  --only 1,4     run these scenarios only
  --duration N   measured seconds per load run (whole seconds; default 6, quick 1)
  --rounds N     alternating rounds of each comparison (default 5, quick 1)
  --cpu-prof     write V8 CPU profiles of our servers to bench/.cache/profiles`

/** Reads the command line; throws a message naming the wrong argument. */
export function parseSettings(argv: readonly string[]): BenchSettings {
  const args = argv.filter((arg) => arg !== '--')
  const quick = args.includes('--quick')
  const settings: BenchSettings = {
    quick,
    only: [],
    cpuProfile: args.includes('--cpu-prof'),
    ...(quick ? QUICK : FULL),
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    const [name, inline] = arg.split('=', 2) as [string, string | undefined]
    const value = () => inline ?? args[++i] ?? ''
    if (name === '--quick' || name === '--cpu-prof') continue
    if (name === '--only') {
      settings.only = value()
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean)
      if (settings.only.length === 0) throw new Error('--only: give scenario ids, e.g. --only 1,2')
    } else if (name === '--duration') {
      const seconds = Number(value())
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60) {
        throw new Error('--duration: whole seconds from 1 to 60')
      }
      settings.durationSeconds = seconds
    } else if (name === '--rounds') {
      const rounds = Number(value())
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > 51) {
        throw new Error('--rounds: a whole number from 1 to 51')
      }
      settings.rounds = rounds
    } else if (name === '--help' || name === '-h') {
      throw new Error(USAGE)
    } else {
      throw new Error(`unknown argument ${arg}\n\n${USAGE}`)
    }
  }
  return settings
}
