import { readFileSync } from 'node:fs'
import { CodedError } from '@m2m/service-kit'
import { errorTableProblems } from '@m2m/test-kit'
import { expect, it } from 'vitest'
import * as errors from '../src/errors.js'

it('the README error table lists every code of src/errors.ts with its status, and no other', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const problems = errorTableProblems(errors, readme, {
    base: CodedError,
    args: { PlacesFileInvalidError: ['PLACES_FILE', ['a problem']] },
    otherCodes: ['internal_error'],
  })
  expect(problems).toEqual([])
})
