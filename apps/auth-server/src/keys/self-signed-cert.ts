import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto'
import forge from 'node-forge'

/** Ten years, about what Auth0's signing certificates are valid for. */
const VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000

/**
 * A self-signed X.509 certificate (PEM) for a signing key, as Auth0 publishes
 * one per key (`cert` in `GET /api/v2/keys/signing`, `x5c` in the JWKS):
 * subject and issuer `CN=<commonName>`, SHA-256 with RSA. node-forge builds
 * the certificate; node:crypto signs it (forge's own RSA is slower).
 */
export function selfSignedCertificate(
  keys: { privateKey: KeyObject; publicKey: KeyObject },
  commonName: string,
  now = new Date(),
): string {
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(
    keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  )
  // A positive 128-bit serial (RFC 5280 §4.1.2.2: at most 20 octets, not negative).
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`
  cert.validity.notBefore = now
  cert.validity.notAfter = new Date(now.getTime() + VALIDITY_MS)
  const name = [{ name: 'commonName', value: commonName }]
  cert.setSubject(name)
  cert.setIssuer(name)
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption as string
  cert.signatureOid = forge.pki.oids.sha256WithRSAEncryption as string
  // getTBSCertificate is public in node-forge (lib/x509.js) but missing from its types.
  const { getTBSCertificate } = forge.pki as unknown as {
    getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1
  }
  const tbs = forge.asn1.toDer(getTBSCertificate(cert)).getBytes()
  cert.signature = sign('sha256', Buffer.from(tbs, 'binary'), keys.privateKey).toString('binary')
  return forge.pki.certificateToPem(cert)
}

/** The DER bytes of a PEM certificate. */
export function certificateDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64')
}

/** SHA-1 of the DER certificate: hex (Auth0's `thumbprint`) or base64url (JWK `x5t`). */
export function certificateSha1(pem: string, encoding: 'hex' | 'base64url'): string {
  return createHash('sha1').update(certificateDer(pem)).digest(encoding)
}
