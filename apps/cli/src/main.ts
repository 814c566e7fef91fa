#!/usr/bin/env node
import { text } from 'node:stream/consumers'
import { runCli } from './program.js'

const controller = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => controller.abort())
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => text(process.stdin),
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
})
