export { parseSoakArgs, type SoakOptions, USAGE, UsageError } from './args.js'
export {
  buildReport,
  formatReport,
  type LoadFigures,
  type MemoryFigures,
  type SoakReport,
} from './report.js'
