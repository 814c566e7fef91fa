import type { AllocationSites } from '@m2m/test-kit'

export type { AllocationSites }

/** The package of a site's script: Node.js, a dependency, a workspace package, or V8 itself. */
export function packageOf(site: string): string {
  const url = site.slice(site.lastIndexOf(' ') + 1).replace(/:\d+$/, '')
  if (url === '') return 'V8 and native code'
  if (url.startsWith('node:')) return 'Node.js'
  const modules = url.lastIndexOf('/node_modules/')
  if (modules !== -1) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/')
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? 'other')
  }
  const workspace = /\/(?:packages|apps)\/([^/]+)\/|\/(bench)\//.exec(url)
  if (workspace) return `@m2m/${workspace[1] ?? workspace[2]}`
  return 'other'
}

/** Bytes per request by package, from the sites of `requests` requests. */
export function perRequestByPackage(
  sites: AllocationSites,
  requests: number,
): Record<string, number> {
  const packages: Record<string, number> = {}
  for (const [site, bytes] of Object.entries(sites)) {
    const name = packageOf(site)
    packages[name] = (packages[name] ?? 0) + bytes / requests
  }
  return packages
}

/** Per request, the sites where `sites` allocates more than `baseline` by at least `least` bytes, most first. */
export function sitesAbove(
  sites: AllocationSites,
  requests: number,
  baseline: AllocationSites,
  baselineRequests: number,
  least: number,
): Array<[site: string, bytesPerRequest: number]> {
  return Object.entries(sites)
    .map(([site, bytes]): [string, number] => [
      site,
      bytes / requests - (baseline[site] ?? 0) / baselineRequests,
    ])
    .filter(([, more]) => more >= least)
    .sort((a, b) => b[1] - a[1])
}
