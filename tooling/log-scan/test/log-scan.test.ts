import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import setup from '../log-scan.js'

const captureDir = process.env.M2M_LOG_CAPTURE_DIR
afterEach(() => {
  process.env.M2M_LOG_CAPTURE_DIR = captureDir
})

/** Runs the scan over one captured line, as a whole test run would. */
function scan(line: string): () => void {
  const teardown = setup()
  writeFileSync(join(process.env.M2M_LOG_CAPTURE_DIR as string, 'one.log'), `${line}\n`)
  return teardown
}

describe('the log scan', () => {
  it('passes clean request logs', () => {
    expect(scan('{"level":30,"msg":"incoming request","req":{"url":"/api/me"}}')).not.toThrow()
  })

  const leaks: Array<[string, string]> = [
    ['an access token', '{"msg":"x","token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}'],
    ['PEM key material', '{"msg":"-----BEGIN PRIVATE KEY-----"}'],
    ['a private JWK member', '{"key":{"kty":"RSA","d":"abc"}}'],
    ['an unredacted client_secret', '{"body":{"client_secret":"hunter2"}}'],
    ['a bearer credential', '{"headers":{"authorization":"Bearer abcdefghijklmnopqrstuvwxyz"}}'],
    ['a dev client secret', '{"msg":"N7XLjWCLi63xbMTzZYZAG-d1sVggUWLvgDrMTGuvJAk"}'],
  ]
  for (const [what, line] of leaks) {
    it(`fails the run on ${what}`, () => {
      expect(scan(line)).toThrow(/secrets in logs/)
    })
  }

  it('fails a run that must log but logged no request', () => {
    process.env.M2M_LOG_CAPTURE_REQUIRED = '1'
    try {
      expect(scan('{"msg":"started"}')).toThrow(/no request was logged/)
    } finally {
      delete process.env.M2M_LOG_CAPTURE_REQUIRED
    }
  })
})
