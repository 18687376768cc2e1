#!/usr/bin/env node
// `veltix-bench`: see `veltix-bench --help`.
import { runCli } from './run-cli.js'

const controller = new AbortController()
process.once('SIGINT', () => controller.abort())
runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code
  },
  (err: Error) => {
    console.error(err)
    process.exitCode = 1
  },
)
