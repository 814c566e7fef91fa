/**
 * The same token with a changed payload (another `sub`) and the original
 * signature: a verifier that skips the signature would accept it.
 */
export function tamperToken(token: string): string {
  const [header, payload, signature] = token.split('.')
  if (header === undefined || payload === undefined || signature === undefined) {
    throw new Error('not a compact JWS')
  }
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >
  const forged = { ...claims, sub: 'attacker@clients', azp: 'attacker' }
  return `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`
}
