import type { Scenario } from '../runner/types.js'
import { deliveries } from './deliveries.js'
import { fleet } from './fleet.js'
import { geocoder } from './geocoder.js'
import { hotToken } from './hot-token.js'
import { issuance } from './issuance.js'
import { replicas } from './replicas.js'
import { tokenAcquisition } from './token-acquisition.js'
import { worldMappersApp } from './world-mappers-app.js'

/** In run order; a new scenario is one file and one line here. */
export const SCENARIOS: readonly Scenario[] = [
  hotToken,
  fleet,
  tokenAcquisition,
  issuance,
  geocoder,
  deliveries,
  replicas,
  worldMappersApp,
]
