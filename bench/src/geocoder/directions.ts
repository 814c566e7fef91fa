// The directions planner of the gazetteer, from the package's public entry like the rest.
export { planDirections } from '@m2m/world-mappers'
