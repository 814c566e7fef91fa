export {
  importedPackages,
  type Manifest,
  type PackedManifestInput,
  packedManifestProblems,
  undeclaredImports,
  withoutCondition,
} from './manifest-checks.js'
export { PUBLISHED_PACKAGES, type PublishedPackage } from './packages.js'
export { strangerEnv } from './run.js'
export {
  type PackedTarball,
  runStrangerCheck,
  type StrangerCheckOptions,
  type StrangerReport,
} from './stranger-check.js'
