import { InvalidArgumentError } from 'commander'

/** A commander argument parser for an integer within bounds. */
export function integerIn(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}.`)
    }
    return n
  }
}

/** A commander argument parser for a number of seconds within bounds. */
export function secondsIn(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a number of seconds from ${min} to ${max}.`)
    }
    return n
  }
}
