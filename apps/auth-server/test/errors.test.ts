import { readFileSync } from 'node:fs'
import { CodedError } from '@m2m/service-kit'
import { errorTableProblems } from '@m2m/test-kit'
import { expect, it } from 'vitest'
import * as errors from '../src/errors.js'

it('the README error table lists every code of src/errors.ts with its status, and no other', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const problems = errorTableProblems(errors, readme, {
    base: CodedError,
    args: {
      TenantKeywordError: ['tenant.yaml', ['##MISSING##']],
      TenantInvalidError: ['tenant.yaml', ['clients[0].name: required']],
    },
    formats: ['OAuthError', 'ManagementError'],
  })
  expect(problems).toEqual([])
})

it('the wire formats are coded too: their code is the error Auth0 answers', () => {
  const oauth = new errors.OAuthError(403, 'access_denied', 'Unauthorized')
  expect(oauth).toBeInstanceOf(CodedError)
  expect(oauth).toMatchObject({ code: 'access_denied', statusCode: 403 })
  expect(oauth.toBody()).toEqual({ error: 'access_denied', error_description: 'Unauthorized' })
  const management = new errors.ManagementError(
    404,
    'inexistent_client',
    'The client does not exist',
  )
  expect(management).toBeInstanceOf(CodedError)
  expect(management.toBody()).toEqual({
    statusCode: 404,
    error: 'Not Found',
    message: 'The client does not exist',
    errorCode: 'inexistent_client',
  })
})
