import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  InvalidLoggerConfigError,
  Logger,
  LoggerError,
  type LoggerLike,
  LogLevel,
  noopLogger,
} from '../src/index.js'
import { MemoryStream } from './helpers.js'

function make(config: ConstructorParameters<typeof Logger>[0] = {}) {
  const out = new MemoryStream()
  const logger = new Logger({
    stdout: out,
    stderr: out,
    env: {},
    showTimestamp: false,
    showCaller: false,
    ...config,
  })
  return { logger, out }
}

describe('getInstance', () => {
  afterEach(async () => {
    await Logger.resetInstance()
  })

  test('returns the shared instance', () => {
    const a = Logger.getInstance()
    expect(Logger.getInstance()).toBe(a)
    expect(a.level).toBe(LogLevel.INFO)
  })

  test('a later config is applied to it (the fields it names), never silently ignored', () => {
    const out = new MemoryStream()
    const a = Logger.getInstance({
      level: LogLevel.WARNING,
      stdout: out,
      showCaller: false,
      showTimestamp: false,
    })
    const b = Logger.getInstance({ level: LogLevel.DEBUG })
    expect(b).toBe(a)
    expect(a.level).toBe(LogLevel.DEBUG)
    a.debug('now on')
    expect(out.lines).toEqual(['DEBUG now on']) // stdout and the show* options kept
  })

  test('a bad later config throws and changes nothing', () => {
    const a = Logger.getInstance({ level: 'error' })
    expect(() => Logger.getInstance({ level: LogLevel.DEBUG, fileRotationSize: -1 })).toThrow(
      InvalidLoggerConfigError,
    )
    expect(a.level).toBe(LogLevel.ERROR)
  })

  test('new Logger() is independent of it', () => {
    const shared = Logger.getInstance({ level: LogLevel.ERROR })
    const own = new Logger({ level: LogLevel.TRACE })
    expect(own).not.toBe(shared)
    expect(own.level).toBe(LogLevel.TRACE)
    expect(shared.level).toBe(LogLevel.ERROR)
  })
})

describe('levels', () => {
  test('setLevel, level names in any case, enable and disable', () => {
    const { logger, out } = make({ showLevel: false })
    logger.debug('hidden')
    logger.setLevel(LogLevel.DEBUG)
    logger.debug('d1')
    logger.setLevel('warning')
    logger.info('hidden')
    logger.warning('w1')
    logger.disable()
    logger.critical('hidden')
    expect(logger.isLevelEnabled(LogLevel.CRITICAL)).toBe(false)
    logger.enable()
    logger.critical('c1')
    expect(out.lines).toEqual(['d1', 'w1', 'c1'])
    expect(() => logger.setLevel(15 as LogLevel)).toThrow(InvalidLoggerConfigError)
    expect(() => logger.setLevel('verbose' as never)).toThrow(/invalid logger option level/)
  })

  test('children share the level of their root; a child of a named child gets parent:child', () => {
    const { logger, out } = make({ name: 'veltix' })
    const child = logger.child('server')
    logger.setLevel(LogLevel.ERROR)
    child.warning('hidden')
    child.setLevel(LogLevel.TRACE)
    logger.trace('t')
    child.child('conn').trace('t2')
    expect(out.lines).toEqual(['TRACE veltix: t', 'TRACE veltix:server:conn: t2'])
  })

  test('getStats counts emitted lines per level, children into their root', () => {
    const { logger } = make({ level: LogLevel.DEBUG, console: false })
    logger.trace('not emitted')
    logger.debug('a')
    logger.info('a')
    logger.info('b')
    logger.child({ x: 1 }).error('c')
    logger.critical(() => 'd')
    expect(logger.getStats()).toEqual({
      TRACE: 0,
      DEBUG: 1,
      INFO: 2,
      SUCCESS: 0,
      WARNING: 0,
      ERROR: 1,
      CRITICAL: 1,
    })
    logger.resetStats()
    expect(Object.values(logger.getStats()).every((n) => n === 0)).toBe(true)
  })
})

describe('a level that is off costs nothing', () => {
  test('no message function call, no caller lookup, no context serialisation', () => {
    const { logger, out } = make({ level: LogLevel.WARNING, showCaller: true })
    const message = vi.fn(() => 'expensive')
    const capture = vi.spyOn(Error, 'captureStackTrace')
    const context = {
      get field() {
        throw new Error('context read')
      },
    }
    try {
      logger.trace(message, context)
      logger.debug(message, context)
      logger.info(message, context)
      logger.success(message, context)
      logger.child('c').info(message)
      logger.disable()
      logger.error(message)
      expect(message).not.toHaveBeenCalled()
      expect(capture).not.toHaveBeenCalled()
      expect(out.chunks).toEqual([])
      logger.enable()
      logger.warning(message)
      expect(message).toHaveBeenCalledTimes(1)
      expect(capture).toHaveBeenCalledTimes(1)
    } finally {
      capture.mockRestore()
    }
  })

  test('noopLogger does nothing and calls nothing', () => {
    const message = vi.fn(() => 'x')
    const lib: LoggerLike = noopLogger
    for (const m of ['trace', 'debug', 'info', 'success', 'warning', 'error', 'critical'] as const)
      lib[m](message)
    expect(lib.isLevelEnabled(LogLevel.CRITICAL)).toBe(false)
    expect(lib.child('x')).toBe(noopLogger)
    expect(message).not.toHaveBeenCalled()
  })

  test('a Logger is a LoggerLike (what library packages accept)', () => {
    const { logger, out } = make()
    const lib: LoggerLike = logger.child('transport')
    if (lib.isLevelEnabled(LogLevel.INFO)) lib.info('listening', { port: 1 })
    expect(out.lines).toEqual(['INFO  transport: listening {"port":1}'])
  })
})

describe('bad config', () => {
  test.each([
    [{ level: 'loud' }, 'level'],
    [{ level: 7 }, 'level'],
    [{ enabled: 'yes' }, 'enabled'],
    [{ useColors: 'auto' }, 'useColors'],
    [{ showCaller: 1 }, 'showCaller'],
    [{ format: 'xml' }, 'format'],
    [{ filePath: '' }, 'filePath'],
    [{ fileRotationSize: 0 }, 'fileRotationSize'],
    [{ fileRotationSize: 1.5 }, 'fileRotationSize'],
    [{ fileBackupCount: -1 }, 'fileBackupCount'],
    [{ bufferSize: Number.NaN }, 'bufferSize'],
    [{ stdout: {} }, 'stdout'],
    [{ name: 3 }, 'name'],
    [{ context: 'x' }, 'context'],
    [{ onError: true }, 'onError'],
  ])('%j -> InvalidLoggerConfigError naming %s', (config, option) => {
    let caught: unknown
    try {
      new Logger(config as never)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(InvalidLoggerConfigError)
    expect(caught).toBeInstanceOf(LoggerError)
    expect((caught as InvalidLoggerConfigError).name).toBe('InvalidLoggerConfigError')
    expect((caught as InvalidLoggerConfigError).option).toBe(option)
  })

  test('configure validates everything before changing anything', () => {
    const { logger } = make({ level: 'info' })
    expect(() => logger.configure({ level: 'debug', showLevel: 'no' as never })).toThrow(
      InvalidLoggerConfigError,
    )
    expect(logger.level).toBe(LogLevel.INFO)
  })

  test('a broken console stream does not break the caller', () => {
    const logger = new Logger({
      stdout: {
        write() {
          throw new Error('EPIPE')
        },
      },
    })
    expect(() => logger.info('m')).not.toThrow()
    expect(logger.getStats().INFO).toBe(1)
  })
})
