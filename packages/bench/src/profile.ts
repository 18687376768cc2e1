import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { renderTable } from './report/format.js'

interface CpuProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: CpuProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileEntry {
  fn: string
  where: string
  owner: string
  selfMs: number
  percent: number
}

export interface ProfileSummary {
  file: string
  totalMs: number
  top: ProfileEntry[]
  /** Self time per owner: "@veltix/transport", "node:net", "(idle)", "(gc)", … */
  byOwner: { owner: string; selfMs: number; percent: number }[]
}

/** Who a function belongs to, from its script URL. */
export function ownerOf(url: string, fn: string): string {
  if (fn === '(idle)' || fn === '(garbage collector)' || fn === '(program)') return fn
  if (url === '') return '(native)'
  const pkg = /\/packages\/([^/]+)\//.exec(url)
  if (pkg) return pkg[1] === 'veltix' ? 'veltix' : `@veltix/${pkg[1]}`
  const nodeInternal = /^node:(?:internal\/)?([a-z_]+)/.exec(url)
  if (nodeInternal) return `node:${nodeInternal[1]}`
  return url.split('/').slice(-2).join('/')
}

/** Self time per function (sampled), most expensive first. */
export function summarizeProfile(profile: CpuProfile, file: string, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const totalUs = profile.endTime - profile.startTime
  const fns = new Map<string, ProfileEntry>()
  const owners = new Map<string, number>()
  for (const [id, us] of self) {
    const n = byId.get(id)
    if (n === undefined) continue
    const { functionName, url, lineNumber } = n.callFrame
    const fn = functionName || '(anonymous)'
    const owner = ownerOf(url, fn)
    const where = url ? `${url.split('/').slice(-3).join('/')}:${lineNumber + 1}` : ''
    const key = `${fn}@${where}`
    const e = fns.get(key) ?? { fn, where, owner, selfMs: 0, percent: 0 }
    e.selfMs += us / 1000
    fns.set(key, e)
    owners.set(owner, (owners.get(owner) ?? 0) + us / 1000)
  }
  const totalMs = totalUs / 1000
  const pct = (ms: number): number => (totalMs > 0 ? (100 * ms) / totalMs : 0)
  return {
    file,
    totalMs,
    top: [...fns.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
      .map((e) => ({ ...e, percent: pct(e.selfMs) })),
    byOwner: [...owners]
      .sort((a, b) => b[1] - a[1])
      .map(([owner, ms]) => ({ owner, selfMs: ms, percent: pct(ms) })),
  }
}

/** Summaries of every .cpuprofile in `dir`. */
export async function summarizeProfiles(dir: string, top = 15): Promise<ProfileSummary[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort()
  const out: ProfileSummary[] = []
  for (const f of files) {
    const profile = JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile
    out.push(summarizeProfile(profile, f, top))
  }
  return out
}

export function renderProfile(s: ProfileSummary): string {
  const owners = renderTable(
    ['owner', 'self ms', '%'],
    s.byOwner.slice(0, 12).map((o) => [o.owner, o.selfMs.toFixed(0), o.percent.toFixed(1)]),
  )
  const fns = renderTable(
    ['function', 'where', 'owner', 'self ms', '%'],
    s.top.map((e) => [e.fn, e.where, e.owner, e.selfMs.toFixed(1), e.percent.toFixed(1)]),
  )
  return `${s.file} (${(s.totalMs / 1000).toFixed(1)} s)\n${owners}\n\n${fns}`
}
