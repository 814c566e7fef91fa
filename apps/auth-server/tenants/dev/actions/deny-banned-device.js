/**
 * Credentials-exchange Action of the dev tenant (Auth0's M2M hook, the
 * successor of the Rule that denied a banned client id).
 *
 * A client whose metadata says `banned: 'true'` gets no token: Auth0 answers
 * with the code and reason given to `api.access.deny`. Every other client gets
 * a custom claim naming it; Auth0 requires custom claims to be namespaced with
 * a URL, so they cannot collide with registered claims.
 *
 * @param {{ client: { client_id: string, name: string, metadata: Record<string, string> } }} event
 * @param {{ access: { deny(code: string, reason: string): void }, accessToken: { setCustomClaim(name: string, value: unknown): void } }} api
 */
export async function onExecuteCredentialsExchange(event, api) {
  if (event.client.metadata?.banned === 'true') {
    api.access.deny('invalid_request', 'This device has been banned')
    return
  }
  api.accessToken.setCustomClaim('https://m2m.example.com/client_name', event.client.name)
}
