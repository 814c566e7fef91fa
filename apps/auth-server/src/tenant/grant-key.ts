/** One key per client and API, whatever characters their ids hold: the grant between them. */
export function grantKey(clientId: string, audience: string): string {
  return JSON.stringify([clientId, audience])
}
