import { createServiceLogger, deferredChildLoggerFactory } from '@m2m/auth'
import { expect, it } from 'vitest'
import { serviceServerOptions } from '../src/index.js'

it('pays nothing per request for log lines the level drops', () => {
  const atWarn = serviceServerOptions(createServiceLogger({ level: 'warn' }))
  expect(atWarn).toMatchObject({
    childLoggerFactory: deferredChildLoggerFactory,
    disableRequestLogging: true,
    return503OnClosing: true,
  })
  expect(serviceServerOptions(createServiceLogger({ level: 'info' })).disableRequestLogging).toBe(
    false,
  )
  expect(serviceServerOptions(undefined)).toEqual({ logger: false, return503OnClosing: true })
})
