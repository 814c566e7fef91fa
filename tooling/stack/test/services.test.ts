import { describe, expect, it } from 'vitest'
import { describeServices, serviceCommand, storefrontCredentials } from '../src/services.js'
import { readStackSettings } from '../src/settings.js'
import { repoRoot } from './helpers/stack-process.js'

describe('the stack settings', () => {
  it('default to the ports every README names', () => {
    expect(readStackSettings(repoRoot, {}).ports).toEqual({
      authServer: 4000,
      worldMappers: 7001,
      giftDeliveries: 3000,
    })
  })

  it('refuse a bad port, naming the variable', () => {
    expect(() => readStackSettings(repoRoot, { WORLD_MAPPERS_PORT: '70o1' })).toThrow(
      /^WORLD_MAPPERS_PORT: must be an integer/,
    )
  })
})

describe('the services', () => {
  const settings = readStackSettings(repoRoot, {
    AUTH_SERVER_PORT: '4100',
    WORLD_MAPPERS_PORT: '4101',
    GIFT_DELIVERIES_PORT: '4102',
    GIFT_DELIVERIES_DATA_DIR: '',
  })
  const [authServer, worldMappers, giftDeliveries] = describeServices(settings)

  it('start the tenant first and point the others at it', () => {
    expect(authServer?.name).toBe('auth-server')
    for (const service of [authServer, worldMappers, giftDeliveries]) {
      expect(service?.env.ISSUER_BASE_URL).toBe('http://localhost:4100/')
      expect(service?.env.HOST).toBe('127.0.0.1')
    }
    expect(giftDeliveries?.env.WORLD_MAPPERS_URL).toBe('http://localhost:4101')
  })

  it('give each service its own port and data directory', () => {
    expect(authServer?.env.PORT).toBe('4100')
    expect(worldMappers?.env.PORT).toBe('4101')
    expect(giftDeliveries?.env.PORT).toBe('4102')
    expect(authServer?.env).not.toHaveProperty('DATA_DIR')
    expect(giftDeliveries?.env.DATA_DIR).toBe('')
  })

  it('run built code for `start` and watched sources for `dev`, young generation capped', () => {
    expect(serviceCommand(giftDeliveries as never, 'built')).toEqual([
      '--max-semi-space-size=16',
      '--enable-source-maps',
      'dist/main.js',
    ])
    const dev = serviceCommand(giftDeliveries as never, 'dev')
    expect(dev).toContain('--conditions=@m2m/source')
    expect(dev[0]).toBe('--max-semi-space-size=16')
  })
})

describe('REQUIRE_DPOP', () => {
  it('makes world-mappers take DPoP-bound tokens only, and gift-deliveries ask for them', () => {
    const [, mappers, gifts] = describeServices(
      readStackSettings(repoRoot, { REQUIRE_DPOP: 'true' }),
    )
    expect(mappers?.env.REQUIRE_DPOP).toBe('true')
    expect(gifts?.env.AUTH0_DPOP).toBe('true')
    const [, plainMappers, plainGifts] = describeServices(readStackSettings(repoRoot, {}))
    expect(plainMappers?.env).not.toHaveProperty('REQUIRE_DPOP')
    expect(plainGifts?.env).not.toHaveProperty('AUTH0_DPOP')
    expect(() => readStackSettings(repoRoot, { REQUIRE_DPOP: 'on' })).toThrow(/^REQUIRE_DPOP: /)
  })
})

describe("the banner's Storefront credentials", () => {
  it("are the dev tenant's keywords", () => {
    expect(storefrontCredentials(repoRoot, {})).toEqual({
      clientId: 'storefront-dev',
      clientSecret: 'N7XLjWCLi63xbMTzZYZAG-d1sVggUWLvgDrMTGuvJAk',
    })
  })

  it('follow AUTH0_KEYWORD_REPLACE_MAPPINGS as the tenant does', () => {
    const env = { AUTH0_KEYWORD_REPLACE_MAPPINGS: '{"STOREFRONT_CLIENT_SECRET":"other-secret"}' }
    expect(storefrontCredentials(repoRoot, env).clientSecret).toBe('other-secret')
  })
})
