import { expect, it } from 'vitest'
import { errorTableProblems, readErrorTable } from '../src/index.js'

class Coded extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
  ) {
    super(code)
  }
}
class Family extends Error {}
const errors = {
  NotFoundError: class extends Coded {
    constructor() {
      super('X_ERR_NOT_FOUND', 404)
    }
  },
  DownError: class extends Coded {
    constructor() {
      super('X_ERR_DOWN', 503)
    }
  },
  FamilyError: Family,
  helper: () => 1,
}
const table = `
| code              | status | when |
| ----------------- | ------ | ---- |
| \`X_ERR_NOT_FOUND\` | 404    | a    |
| \`X_ERR_DOWN\`      | 503    | b    |
| \`internal_error\`  | 500    | c    |
`

it('reads the rows of a Markdown error table', () => {
  expect([...readErrorTable(table)]).toEqual([
    ['X_ERR_NOT_FOUND', 404],
    ['X_ERR_DOWN', 503],
    ['internal_error', 500],
  ])
})

it('finds nothing wrong when the table and the module agree', () => {
  expect(
    errorTableProblems(errors, table, { otherCodes: ['internal_error'], base: Coded }),
  ).toEqual([])
})

it('names every disagreement', () => {
  const drifted = table.replace('| 503 ', '| 502 ').replace(/^.*internal_error.*$/m, '')
  const withExtra = {
    ...errors,
    GoneError: class extends Coded {
      constructor() {
        super('X_ERR_GONE', 410)
      }
    },
    TwinError: class extends Coded {
      constructor() {
        super('X_ERR_DOWN', 503)
      }
    },
    PlainError: class extends Error {
      code = 'X_ERR_PLAIN'
      statusCode = 500
    },
  }
  expect(
    errorTableProblems(withExtra, `${drifted}| \`X_ERR_OLD\` | 400 | d |\n`, { base: Coded }),
  ).toEqual([
    'X_ERR_DOWN is 503, the table says 502',
    'X_ERR_GONE (GoneError) has no row in the table',
    'TwinError and DownError share the code X_ERR_DOWN',
    'X_ERR_DOWN is 503, the table says 502',
    'PlainError is not coded',
    'X_ERR_PLAIN (PlainError) has no row in the table',
    'the table lists X_ERR_OLD, which nothing defines',
  ])
})
