// Internal code matches errors by class (`instanceof`) or `code`, never by `name`: a name is for people
// reading logs, and two packages may name two classes alike. Scans every package's sources.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const PACKAGES = fileURLToPath(new URL('../..', import.meta.url))
// `x.name === 'SomeError'`, `'SomeError' !== e.name`, `switch (e.name) { case 'SomeError'`
const BY_NAME = [
  /\.name\s*[!=]==?\s*['"`]\w*Error['"`]/,
  /['"`]\w*Error['"`]\s*[!=]==?\s*\w+\.name\b/,
  /case\s+['"`]\w*Error['"`]/,
]

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && /\.(ts|mts|cts|js|mjs)$/.test(d.name))
    .map((d) => join(d.parentPath, d.name))
}

describe('error matching', () => {
  it('no package source matches an error by its name', () => {
    const hits: string[] = []
    let files = 0
    for (const pkg of readdirSync(PACKAGES)) {
      let list: string[]
      try {
        list = sources(join(PACKAGES, pkg, 'src'))
      } catch {
        continue // a package without src/
      }
      for (const file of list) {
        files++
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (BY_NAME.some((re) => re.test(line))) hits.push(`${file}:${i + 1}: ${line.trim()}`)
          })
      }
    }
    expect(files).toBeGreaterThan(100)
    expect(hits).toEqual([])
  })
})
