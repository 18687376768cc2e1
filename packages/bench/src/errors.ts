/** Bad command-line arguments or options. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** A benchmark child process failed, exited early, or reported an error. */
export class ChildProcessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ChildProcessError'
  }
}

/** A results file (for `--compare`) is not valid JSON or does not follow the schema. */
export class ResultsFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ResultsFormatError'
  }
}

/** A workload did not finish: messages still missing after the delivery timeout, or a connect failed. */
export class WorkloadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'WorkloadError'
  }
}

/** The run was aborted through its signal. */
export class AbortError extends Error {
  constructor(message = 'the benchmark run was aborted') {
    super(message)
    this.name = 'AbortError'
  }
}
