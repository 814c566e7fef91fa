import { ConfirmedForm } from '../confirmed-form.js'
import type { DashboardSession } from '../dashboard-sessions.js'
import { DASHBOARD_PREFIX } from '../layout.js'
import type { KeyState, TimelineKey } from './key-timeline.js'

export const KEYS_PATH = `${DASHBOARD_PREFIX}/keys`

const STATES: Record<KeyState, { label: string; meaning: string }> = {
  current: {
    label: 'Current',
    meaning: 'Signs every new token; published in the JWKS.',
  },
  next: {
    label: 'Next',
    meaning: 'Published in the JWKS ahead of time; signs once you rotate.',
  },
  previous: {
    label: 'Previous',
    meaning: 'No longer signs; still published, so tokens it signed keep verifying.',
  },
  revoked: {
    label: 'Revoked',
    meaning: 'Out of the JWKS: tokens it signed no longer verify.',
  },
}

function When({ label, at }: { label: string; at: string | undefined }) {
  if (!at) return null
  return (
    <>
      <dt>{label}</dt>
      <dd>
        <time datetime={at}>{at}</time>
      </dd>
    </>
  )
}

function KeyEntry({
  signingKey,
  session,
}: {
  signingKey: TimelineKey
  session?: DashboardSession
}) {
  const { kid, state } = signingKey
  return (
    <li class={`card key key-${state}`}>
      <h3>
        <span class="key-state">{STATES[state].label}</span> <code>{kid}</code>
      </h3>
      <p>{STATES[state].meaning}</p>
      <dl class="facts">
        <dt>Key ID (kid)</dt>
        <dd>
          <code data-copy>{kid}</code>
        </dd>
        <When label="Created" at={signingKey.createdAt} />
        <When label="Current since" at={signingKey.currentSince} />
        <When label="Rotated out" at={signingKey.retiredAt} />
        <When label="Revoked" at={signingKey.revokedAt} />
        <dt>Certificate fingerprint (SHA-1)</dt>
        <dd>
          <code>{signingKey.fingerprint}</code>
        </dd>
      </dl>
      {state === 'previous' ? (
        <ConfirmedForm
          action={`${KEYS_PATH}/${encodeURIComponent(kid)}/revoke`}
          question={`Revoke key ${kid}? Tokens it signed stop verifying at once.`}
          session={session}
        >
          <button type="submit" class="danger">
            Revoke<span class="visually-hidden"> key {kid}</span>
          </button>
        </ConfirmedForm>
      ) : null}
    </li>
  )
}

export function KeyTimeline(props: {
  signingKeys: readonly TimelineKey[]
  session: DashboardSession | undefined
}) {
  const { session } = props
  return (
    <>
      <p>
        Tokens are signed with the current key (RS256). Verifiers fetch the public keys from{' '}
        <a href="/.well-known/jwks.json">
          <code>/.well-known/jwks.json</code>
        </a>
        , which holds the current, next and previous keys; private keys never leave the tenant.
      </p>
      <ConfirmedForm
        action={`${KEYS_PATH}/rotate`}
        question="Rotate the signing key? The next key signs new tokens from now on; the current one stays published until you revoke it."
        session={session}
        class="card"
      >
        <h2>Rotate the signing key</h2>
        <p>
          Rotating makes the next key current (it signs new tokens from now on) and makes a new next
          key; the old current key stays published, so tokens it signed keep verifying until you
          revoke it.
        </p>
        <button type="submit">Rotate signing key</button>
      </ConfirmedForm>
      <h2>Keys, current first</h2>
      <p>
        Revoking a previous key takes it out of the JWKS: tokens signed by a revoked key stop
        verifying.
      </p>
      <ol class="key-timeline">
        {props.signingKeys.map((signingKey) => (
          <KeyEntry key={signingKey.kid} signingKey={signingKey} session={session} />
        ))}
      </ol>
    </>
  )
}
