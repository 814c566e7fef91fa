import { ManagementError } from '../errors.js'

/** Auth0's Management API answers, one constructor each. */
export const notFound = (what: string, errorCode: string) =>
  new ManagementError(404, errorCode, `The ${what} does not exist`)
export const badBody = (message: string) =>
  new ManagementError(400, 'invalid_body', `Payload validation error: ${message}`)
