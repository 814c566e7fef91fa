const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
}

/** A Management API v2 error, in Auth0's shape: `{ statusCode, error, message, errorCode }`. */
export class ManagementError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message)
  }

  toBody() {
    return {
      statusCode: this.statusCode,
      error: STATUS_TEXT[this.statusCode] ?? 'Error',
      message: this.message,
      errorCode: this.errorCode,
    }
  }
}

export const notFound = (what: string, errorCode: string) =>
  new ManagementError(404, errorCode, `The ${what} does not exist`)
export const badBody = (message: string) =>
  new ManagementError(400, 'invalid_body', `Payload validation error: ${message}`)
