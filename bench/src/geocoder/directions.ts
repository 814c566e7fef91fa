// planDirections is not exported by @m2m/world-mappers (its package exports only "."): reached
// through the workspace source until the package exports it. The one deep import of the bench.
export { planDirections } from '../../../apps/world-mappers/src/geo/directions.js'
