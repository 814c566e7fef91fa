/** An error answered to the caller with its HTTP status and a stable code. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export const noMatch = (parameter: string, query: string) =>
  new ApiError(404, 'GEO_ERR_NO_MATCH', `No place matches ${parameter} ${JSON.stringify(query)}`)

export const notReady = () =>
  new ApiError(503, 'GEO_ERR_NOT_READY', 'The place index is still loading; retry shortly')

export const invalidParameter = (message: string) => new ApiError(400, 'invalid_request', message)
