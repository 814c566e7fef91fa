/** Where a browser on this machine reaches the dashboard, from the address the server listens on. */
export function dashboardBaseUrl(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}`
}

/** The lines that tell a person how to open the dashboard (stdout only: the link signs in once). */
export function dashboardLines(base: string, loginPath: string | undefined): string[] {
  return loginPath
    ? [`Dashboard: ${base}/dashboard (sign in once with ${base}${loginPath})`]
    : [`Dashboard: ${base}/dashboard (sign in with DASHBOARD_PASSWORD)`]
}
