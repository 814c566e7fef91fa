import { describe, expect, it } from 'vitest'
import { parseSoakArgs, UsageError } from '../src/args.js'

describe('parseSoakArgs', () => {
  it('defaults to 60 s and 64 connections, no JSON file', () => {
    expect(parseSoakArgs([])).toEqual({
      durationS: 60,
      connections: 64,
      jsonPath: undefined,
      help: false,
    })
  })

  it('reads --duration, --connections and --json (also after the `--` pnpm may pass on)', () => {
    const expected = { durationS: 10, connections: 8, jsonPath: 'soak.json', help: false }
    const args = ['--duration', '10', '--connections', '8', '--json', 'soak.json']
    expect(parseSoakArgs(args)).toEqual(expected)
    expect(parseSoakArgs(['--', ...args])).toEqual(expected)
    expect(parseSoakArgs(['--duration=10', '--connections=8', '--json=soak.json'])).toEqual(
      expected,
    )
  })

  it('--help and -h', () => {
    expect(parseSoakArgs(['--help']).help).toBe(true)
    expect(parseSoakArgs(['-h']).help).toBe(true)
  })

  const refused: Array<[string[], RegExp]> = [
    [['--duration', '0'], /--duration must be a whole number from 1 to 3600, got "0"/],
    [['--duration', '1.5'], /--duration must be a whole number from 1 to 3600, got "1.5"/],
    [['--duration', '3601'], /--duration must be a whole number from 1 to 3600/],
    [['--duration', 'ten'], /--duration must be a whole number/],
    [['--connections', '0'], /--connections must be a whole number from 1 to 1000, got "0"/],
    [['--connections', '-3'], /--connections/],
    [['--json', ''], /--json needs a file name/],
    [['--durations', '10'], /Unknown option '--durations'/],
    [['10'], /Unexpected argument '10'/],
    [['--duration'], /--duration/],
  ]
  for (const [argv, message] of refused) {
    it(`refuses ${JSON.stringify(argv)}, naming the option`, () => {
      expect(() => parseSoakArgs(argv)).toThrow(UsageError)
      expect(() => parseSoakArgs(argv)).toThrow(message)
    })
  }
})
