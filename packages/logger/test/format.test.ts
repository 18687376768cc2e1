import { describe, expect, test } from 'vitest'
import { Logger, type LoggerConfig, LogLevel } from '../src/index.js'
import { fixedClock, MemoryStream } from './helpers.js'

const ALL_LEVELS = [
  ['trace', LogLevel.TRACE, 'TRACE', 'TRACE'],
  ['debug', LogLevel.DEBUG, 'DEBUG', 'DEBUG'],
  ['info', LogLevel.INFO, 'INFO ', 'INFO'],
  ['success', LogLevel.SUCCESS, 'OK   ', 'SUCCESS'],
  ['warning', LogLevel.WARNING, 'WARN ', 'WARNING'],
  ['error', LogLevel.ERROR, 'ERROR', 'ERROR'],
  ['critical', LogLevel.CRITICAL, 'CRIT ', 'CRITICAL'],
] as const

function make(config: LoggerConfig = {}) {
  const out = new MemoryStream()
  const err = new MemoryStream()
  const logger = new Logger({
    level: LogLevel.TRACE,
    clock: fixedClock,
    stdout: out,
    stderr: err,
    env: {},
    ...config,
  })
  return { logger, out, err }
}

describe('text lines', () => {
  test('level values are those of the reference', () => {
    expect([
      LogLevel.TRACE,
      LogLevel.DEBUG,
      LogLevel.INFO,
      LogLevel.SUCCESS,
      LogLevel.WARNING,
      LogLevel.ERROR,
      LogLevel.CRITICAL,
    ]).toEqual([5, 10, 20, 25, 30, 40, 50])
  })

  test.each(ALL_LEVELS)(
    '%s: tag padded to 5, TRACE..WARNING on stdout, ERROR+ on stderr',
    (method, level, tag) => {
      const { logger, out, err } = make({ showCaller: false })
      logger[method]('Server listening on 0.0.0.0:8080')
      const line = `[14:23:45.123] ${tag} Server listening on 0.0.0.0:8080`
      if (level >= LogLevel.ERROR) {
        expect(err.lines).toEqual([line])
        expect(out.lines).toEqual([])
      } else {
        expect(out.lines).toEqual([line])
        expect(err.lines).toEqual([])
      }
    },
  )

  test('the reference line shape, caller included', () => {
    const { logger, out } = make()
    logger.info('Server listening on 0.0.0.0:8080')
    expect(out.lines[0]).toMatch(
      /^\[14:23:45\.123\] INFO {2}\[format\.test\.ts:\d+\] Server listening on 0\.0\.0\.0:8080$/,
    )
  })

  test('each part can be switched off', () => {
    const cases: Array<[LoggerConfig, RegExp]> = [
      [{ showTimestamp: false }, /^INFO {2}\[format\.test\.ts:\d+\] m$/],
      [{ showLevel: false }, /^\[14:23:45\.123\] \[format\.test\.ts:\d+\] m$/],
      [{ showCaller: false }, /^\[14:23:45\.123\] INFO {2}m$/],
      [{ showTimestamp: false, showLevel: false, showCaller: false }, /^m$/],
    ]
    for (const [config, expected] of cases) {
      const { logger, out } = make(config)
      logger.info('m')
      expect(out.lines[0]).toMatch(expected)
    }
  })

  test('timestamps are local time with milliseconds, zero-padded', () => {
    const { logger, out } = make({
      showCaller: false,
      showLevel: false,
      clock: () => new Date(2024, 0, 2, 3, 4, 5, 6).getTime(),
    })
    logger.info('m')
    expect(out.lines[0]).toBe('[03:04:05.006] m')
  })

  test('name and context', () => {
    const { logger, out } = make({ showCaller: false, showTimestamp: false, name: 'veltix' })
    logger.info('hello', { peer: '10.0.0.7:51234', n: 1 })
    logger.child('server').child({ conn: 7 }).warning('slow', { rttMs: 840 })
    expect(out.lines).toEqual([
      'INFO  veltix: hello {"peer":"10.0.0.7:51234","n":1}',
      'WARN  veltix:server: slow {"conn":7,"rttMs":840}',
    ])
  })

  test('a context that JSON.stringify cannot handle is still logged', () => {
    const { logger, out } = make({ showCaller: false, showTimestamp: false, showLevel: false })
    const circular: Record<string, unknown> = {
      big: 12n,
      bytes: new Uint8Array(3),
      err: new TypeError('boom'),
    }
    circular.self = circular
    logger.info('x', circular)
    const ctx = JSON.parse(out.lines[0]!.slice(2))
    expect(ctx.big).toBe('12')
    expect(ctx.bytes).toBe('[Uint8Array(3)]')
    expect(ctx.err).toMatchObject({ name: 'TypeError', message: 'boom' })
    expect(ctx.self).toBe('[Circular]')
  })

  test('a message function is called for an emitted line; if it throws, the line says so', () => {
    const { logger, out } = make({ showCaller: false, showTimestamp: false, showLevel: false })
    logger.info(() => 'lazy')
    logger.info(() => {
      throw new Error('bad')
    })
    expect(out.lines).toEqual(['lazy', '<message function threw: bad>'])
  })
})

describe('JSON lines', () => {
  test.each(ALL_LEVELS)(
    '%s: one object with time, level, caller, message, context',
    (method, level, _tag, name) => {
      const { logger, out, err } = make({ format: 'json', name: 'app' })
      logger[method]('hello "world"\n', { a: [1, 2] })
      const lines = (level >= LogLevel.ERROR ? err : out).lines
      expect(lines).toHaveLength(1)
      const obj = JSON.parse(lines[0]!)
      expect(obj).toEqual({
        time: new Date(fixedClock()).toISOString(),
        level: name,
        name: 'app',
        caller: expect.stringMatching(/^format\.test\.ts:\d+$/),
        message: 'hello "world"\n',
        context: { a: [1, 2] },
      })
      expect(Object.keys(obj)).toEqual(['time', 'level', 'name', 'caller', 'message', 'context'])
    },
  )

  test('caller and context are left out when off or empty; never colours', () => {
    const { logger, out } = make({ format: 'json', showCaller: false, useColors: 'always' })
    logger.info('m')
    expect(out.lines[0]).toBe(
      `{"time":"${new Date(fixedClock()).toISOString()}","level":"INFO","message":"m"}`,
    )
  })
})

describe('colours', () => {
  const RED = '\x1b[31m'
  const RESET = '\x1b[0m'
  const colored = (line: string | undefined) => line?.includes('\x1b[') ?? false

  function lineWith(env: Record<string, string>, isTTY: boolean, useColors?: LoggerConfig['useColors']) {
    const out = new MemoryStream(isTTY)
    const logger = new Logger({
      stdout: out,
      stderr: out,
      env,
      showCaller: false,
      ...(useColors === undefined ? {} : { useColors }),
    })
    logger.error('m')
    return out.lines[0]
  }

  test('on a TTY only, by default', () => {
    const line = lineWith({}, true) ?? ''
    expect(line.startsWith(RED) && line.endsWith(RESET)).toBe(true)
    expect(line.slice(RED.length, -RESET.length)).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] ERROR m$/)
    expect(colored(lineWith({}, false))).toBe(false)
  })

  test('NO_COLOR (non-empty) turns them off on a TTY; empty NO_COLOR does not', () => {
    expect(colored(lineWith({ NO_COLOR: '1' }, true))).toBe(false)
    expect(colored(lineWith({ NO_COLOR: '' }, true))).toBe(true)
  })

  test('FORCE_COLOR turns them on off a TTY (and wins over NO_COLOR); FORCE_COLOR=0 turns them off', () => {
    expect(colored(lineWith({ FORCE_COLOR: '1' }, false))).toBe(true)
    expect(colored(lineWith({ FORCE_COLOR: '1', NO_COLOR: '1' }, false))).toBe(true)
    expect(colored(lineWith({ FORCE_COLOR: '0' }, true))).toBe(false)
    expect(colored(lineWith({ FORCE_COLOR: 'false' }, true))).toBe(false)
  })

  test("TERM=dumb is off; useColors false is always off, 'always' always on", () => {
    expect(colored(lineWith({ TERM: 'dumb' }, true))).toBe(false)
    expect(colored(lineWith({ FORCE_COLOR: '1' }, true, false))).toBe(false)
    expect(colored(lineWith({ NO_COLOR: '1' }, false, 'always'))).toBe(true)
  })

  test('each level has its colour', () => {
    const out = new MemoryStream(true)
    const logger = new Logger({ level: 'trace', stdout: out, stderr: out, env: {}, showCaller: false })
    for (const [method] of ALL_LEVELS) logger[method]('m')
    const codes = out.lines.map((l) => l.slice(0, l.indexOf('m')))
    expect(codes).toEqual(['\x1b[90', '\x1b[37', '\x1b[36', '\x1b[32', '\x1b[33', '\x1b[31', '\x1b[41'])
  })
})
