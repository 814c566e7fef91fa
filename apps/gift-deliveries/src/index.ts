export { type AppOptions, buildApp } from './app.js'
export { ConfigError, type GiftDeliveriesConfig, loadConfig } from './config.js'
export type {
  Delivery,
  DeliveryRequest,
  DeliveryRoute,
  DeliveryStatus,
} from './deliveries/model.js'
export { ServiceStartError } from './errors.js'
export { createMetrics } from './metrics.js'
export { createPendingWorker } from './planning/pending-worker.js'
export { createWorldMappersClient } from './planning/world-mappers-client.js'
export { createService, type GiftDeliveriesService, type ServiceOverrides } from './service.js'
export { openStore } from './store/open-store.js'
