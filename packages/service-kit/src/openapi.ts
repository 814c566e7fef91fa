// Brings @fastify/swagger's additions to route schemas (summary, tags, hide) to
// every package that uses this one, also through the built .d.ts.
/// <reference types="@fastify/swagger" preserve="true" />
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

export interface OpenApiOptions {
  title: string
  description: string
  /** The issuer's token endpoint, for the OAuth2 client-credentials flow. */
  tokenUrl: string
  /** Scopes of the API, with what each allows. */
  scopes: Record<string, string>
}

/**
 * The OpenAPI document (`/docs/json`) and Swagger UI (`/docs`), with an
 * `oauth2` client-credentials security scheme: `@m2m/auth/fastify` fills each
 * route's `security` with the scopes it declares. Register before the routes.
 */
export async function registerOpenApi(
  app: FastifyInstance,
  options: OpenApiOptions,
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: options.title, version: '0.1.0', description: options.description },
      components: {
        securitySchemes: {
          oauth2: {
            type: 'oauth2',
            flows: { clientCredentials: { tokenUrl: options.tokenUrl, scopes: options.scopes } },
          },
        },
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}
