import { writeFile } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import { ResultsFormatError } from './errors.js'
import { parseCliArgs, usage } from './options.js'
import { renderProfile, summarizeProfiles } from './profile.js'
import { createProgressReporter } from './progress.js'
import { compareResults, renderComparison } from './report/compare.js'
import { renderHtml } from './report/html.js'
import { renderSummary } from './report/summary.js'
import { loadResults, saveResults } from './results-file.js'
import { runBench } from './run.js'
import { ResumeUnavailableError, renderSoak, runSoak } from './soak.js'

export interface CliIo {
  stdout: Writable
  stderr: Writable & { isTTY?: boolean; columns?: number }
  signal?: AbortSignal
}

/**
 * The `veltix-bench` command. Returns the exit code: 0 on success, 1 when a workload failed, 2 on bad
 * arguments or an unreadable `--compare` file. Progress goes to stderr, results to stdout.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let cli: ReturnType<typeof parseCliArgs>
  try {
    cli = parseCliArgs(argv)
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${usage()}\n`)
    return 2
  }
  if (cli.help) {
    io.stdout.write(`${usage()}\n`)
    return 0
  }
  try {
    if (cli.soak !== undefined) {
      const s = await runSoak(cli.soak, (line) => io.stderr.write(`${line}\n`))
      io.stdout.write(cli.json ? `${JSON.stringify(s, null, 2)}\n` : `\n${renderSoak(s)}\n`)
      return 0
    }
    if (cli.compare !== undefined && cli.against !== undefined) {
      const [a, b] = await Promise.all([loadResults(cli.compare), loadResults(cli.against)])
      io.stdout.write(`${renderComparison(compareResults(a, b, cli.threshold))}\n`)
      return 0
    }
    // Read the old file first: a typo must not cost a whole run.
    const old = cli.compare === undefined ? undefined : await loadResults(cli.compare)
    const results = await runBench(cli.bench, {
      progress: createProgressReporter(io.stderr),
      ...(io.signal ? { signal: io.signal } : {}),
    })
    io.stdout.write(cli.json ? `${JSON.stringify(results, null, 2)}\n` : `\n${renderSummary(results)}\n`)
    if (cli.bench.cpuProf !== undefined) {
      for (const s of await summarizeProfiles(cli.bench.cpuProf)) io.stdout.write(`\n${renderProfile(s)}\n`)
    }
    if (cli.save !== undefined) {
      await saveResults(cli.save, results)
      io.stderr.write(`saved ${cli.save}\n`)
    }
    if (cli.html !== undefined) {
      await writeFile(cli.html, renderHtml(results))
      io.stderr.write(`wrote ${cli.html}\n`)
    }
    if (old !== undefined)
      io.stdout.write(`\n${renderComparison(compareResults(old, results, cli.threshold))}\n`)
    return results.errors.length > 0 ? 1 : 0
  } catch (err) {
    const e = err as Error
    io.stderr.write(`${e.name}: ${e.message}\n`)
    return err instanceof ResultsFormatError || err instanceof ResumeUnavailableError ? 2 : 1
  }
}
