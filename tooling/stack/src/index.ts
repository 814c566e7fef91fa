export { readyBanner } from './banner.js'
export { createLineWriter } from './log-lines.js'
export { findBusyPorts, probePort } from './ports.js'
export {
  describeServices,
  type RunMode,
  type ServiceSpec,
  type StackSettings,
  serviceCommand,
  storefrontCredentials,
} from './services.js'
export { readStackSettings } from './settings.js'
export { type RunningStack, StackError, type StackOptions, startStack } from './stack.js'
