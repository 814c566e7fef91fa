import type { Scenario } from '../runner/types.js'
import { fleet } from './fleet.js'
import { hotToken } from './hot-token.js'

/** In run order; a new scenario is one file and one line here. */
export const SCENARIOS: readonly Scenario[] = [hotToken, fleet]
