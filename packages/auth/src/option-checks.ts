import { InvalidOptionError } from './errors.js'

/**
 * The checks every `createX` of this package makes on its numeric options,
 * each throwing `InvalidOptionError` that names the option.
 */

export function positive(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(`${name} must be a positive number`)
  }
  return value
}

export function nonNegative(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(`${name} must be a non-negative number`)
  }
  return value
}

export function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidOptionError(`${name} must be a non-negative integer`)
  }
  return value
}
