// This file's name contains "logger" on purpose: the reference skips every frame of a file named so, and
// reported the wrong caller for users whose own file was called e.g. `app-logger.ts`.
import { afterEach, describe, expect, test } from 'vitest'
import { parseFrame } from '../src/caller.js'
import { Logger, LogLevel } from '../src/index.js'
import { MemoryStream } from './helpers.js'

const THIS_FILE = 'my-logger-caller.test.ts'

function make(format: 'text' | 'json' = 'json') {
  const out = new MemoryStream()
  const logger = new Logger({ level: LogLevel.TRACE, stdout: out, stderr: out, env: {}, format })
  const caller = () => (JSON.parse(out.lines.at(-1)!) as { caller: string }).caller
  return { logger, out, caller }
}

/** The line this function is called from, read from a fresh stack (the same positions the logger sees). */
function lineHere(): number {
  const holder: { stack?: string } = {}
  Error.captureStackTrace(holder, lineHere)
  return Number(parseFrame(holder.stack)?.split(':')[1])
}

describe('caller', () => {
  test('is the user file and line for every level, even in a file whose name contains "logger"', () => {
    const { logger, caller } = make()
    for (const method of ['trace', 'debug', 'info', 'success', 'warning', 'error', 'critical'] as const) {
      const line = lineHere() + 1 // the next line
      logger[method]('m')
      expect(caller()).toBe(`${THIS_FILE}:${line}`)
    }
  })

  test('through log(), a child logger, and a helper function of the user', () => {
    const { logger, caller } = make()
    let line = lineHere() + 1 // the next line
    logger.log(LogLevel.INFO, 'm')
    expect(caller()).toBe(`${THIS_FILE}:${line}`)
    const child = logger.child('sub').child({ k: 1 })
    line = lineHere() + 1 // the next line
    child.info('m')
    expect(caller()).toBe(`${THIS_FILE}:${line}`)
    function myLoggerHelper(): number {
      const here = lineHere() + 1 // the next line
      logger.warning('m')
      return here
    }
    line = myLoggerHelper()
    expect(caller()).toBe(`${THIS_FILE}:${line}`)
  })

  test('in text lines too', () => {
    const { logger, out } = make('text')
    const line = lineHere() + 1 // the next line
    logger.info('m')
    expect(out.lines[0]).toContain(` [${THIS_FILE}:${line}] m`)
  })

  describe('without a stack-trace hook (structured call sites)', () => {
    const saved = Error.prepareStackTrace
    afterEach(() => {
      Error.prepareStackTrace = saved
    })

    test('still names this file, and leaves no hook behind', () => {
      const { logger, caller } = make()
      Error.prepareStackTrace = undefined as never
      logger.info('m')
      expect(Error.prepareStackTrace).toBeUndefined()
      Error.prepareStackTrace = saved
      // positions here are those of the transformed module (no source map applied): check the name only
      expect(caller()).toMatch(new RegExp(`^${THIS_FILE.replace(/\./g, '\\.')}:\\d+$`))
    })
  })

  test('parseFrame reads the frame shapes V8 prints', () => {
    expect(parseFrame('Error\n    at fn (/a/b/server.ts:45:10)')).toBe('server.ts:45')
    expect(parseFrame('Error\n    at /a/b/server.ts:45:10\n    at other (/x/y.ts:1:1)')).toBe('server.ts:45')
    expect(parseFrame('Error\n    at async fn (file:///a/b/x.mjs:3:1)')).toBe('x.mjs:3')
    expect(parseFrame('Error\n    at C:\\a\\b\\app-logger.ts:7:2')).toBe('app-logger.ts:7')
    expect(parseFrame('Error\n    at file:///a/b/x.ts?v=123:9:1')).toBe('x.ts:9')
    expect(parseFrame('Error')).toBeUndefined()
    expect(parseFrame(undefined)).toBeUndefined()
  })
})
