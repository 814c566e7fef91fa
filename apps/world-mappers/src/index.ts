export { type AppOptions, buildApp } from './app.js'
export { ConfigError, devPlacesFile, loadConfig, type WorldMappersConfig } from './config.js'
export { type Directions, type DirectionsOptions, planDirections } from './geo/directions.js'
export { loadGazetteer } from './geo/gazetteer.js'
export {
  type GeoNamesRow,
  type GeoNamesTable,
  readGeoNamesFile,
  resolveGeoNamesPath,
} from './geo/geonames-file.js'
export { normalizeName } from './geo/normalize.js'
export type { Gazetteer, GeocodeMatch, Place, ReverseMatch } from './geo/types.js'
