export { type AppOptions, buildApp } from './app.js'
export { ConfigError, devPlacesFile, loadConfig, type WorldMappersConfig } from './config.js'
export { loadGazetteer } from './geo/gazetteer.js'
export type { Gazetteer, GeocodeMatch, Place, ReverseMatch } from './geo/types.js'
