import type { DashboardSession } from '../dashboard-sessions.js'
import { CsrfField, DASHBOARD_PREFIX } from '../layout.js'
import type { GrantOption } from './grant-options.js'
import type { TryResult } from './try-exchange.js'
import type { TryInput } from './try-input.js'

// dashboard-assets/try-it.js renders the same result from the JSON answer: keep the two in step.

/** `86400` → `86400 s (24 h)`. */
export function lifetime(seconds: number): string {
  if (seconds >= 3600) return `${seconds} s (${Number((seconds / 3600).toFixed(1))} h)`
  if (seconds >= 60) return `${seconds} s (${Number((seconds / 60).toFixed(1))} min)`
  return `${seconds} s`
}

const json = (value: unknown) => JSON.stringify(value, null, 2)

function TerminalLines({ curl }: { curl: TryResult['curl'] }) {
  return (
    <>
      <h3>From a terminal</h3>
      <p>
        Get a token (set <code>CLIENT_SECRET</code> to the application's secret first):
      </p>
      <pre class="command" data-copy>
        {curl.getToken}
      </pre>
      <p>
        Call the API with it (<code>TOKEN</code>: the <code>access_token</code> it answers
        {curl.callApi.includes('$API_URL') ? (
          <>
            ; <code>API_URL</code>: where the API listens, as its identifier is not a URL
          </>
        ) : null}
        ):
      </p>
      <pre class="command" data-copy>
        {curl.callApi}
      </pre>
    </>
  )
}

/** The outcome of one exchange: the token and its verification, or the OAuth error. */
export function TryResultView({ result }: { result: TryResult }) {
  const { verification } = result
  return (
    <section
      class={`try-outcome ${result.ok ? 'try-issued' : 'try-refused'}`}
      aria-labelledby="try-outcome-heading"
    >
      <h2 id="try-outcome-heading">
        <span aria-hidden="true">{result.ok ? '✓' : '✗'}</span>{' '}
        {result.ok ? 'Token issued' : 'Refused'} (HTTP {result.status})
      </h2>
      {result.ok ? null : (
        <p class="try-error">
          <code>{result.error}</code>: {result.error_description}
        </p>
      )}
      {result.token ? (
        <>
          <dl class="facts">
            <dt>Token type</dt>
            <dd>{result.token_type ?? 'Bearer'}</dd>
            <dt>Expires in</dt>
            <dd>{result.expires_in === undefined ? 'not said' : lifetime(result.expires_in)}</dd>
          </dl>
          <h3>Access token</h3>
          <p class="hint">Whoever holds it can call the API until it expires.</p>
          <p>
            <code class="token" data-copy>
              {result.token}
            </code>
          </p>
          <h3>Header</h3>
          <pre class="json">{json(result.header)}</pre>
          <h3>Payload</h3>
          <pre class="json">{json(result.payload)}</pre>
        </>
      ) : null}
      {verification ? (
        <>
          <h3>Verification: {verification.valid ? 'valid' : 'not valid'}</h3>
          <table class="checks">
            <caption>How the token was verified, as an API would</caption>
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {verification.checks.map((check) => (
                <tr key={check.name} class={check.ok ? 'check-ok' : 'check-failed'}>
                  <th scope="row">{check.name}</th>
                  <td>
                    <span aria-hidden="true">{check.ok ? '✓' : '✗'}</span>{' '}
                    {check.ok ? 'passed' : 'failed'}
                  </td>
                  <td>{check.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <TerminalLines curl={result.curl} />
    </section>
  )
}

function GrantTable({ options }: { options: readonly GrantOption[] }) {
  return (
    <table>
      <caption>Client grants of client-credentials applications</caption>
      <thead>
        <tr>
          <th scope="col">Application</th>
          <th scope="col">API</th>
          <th scope="col">Scopes granted</th>
          <th scope="col">Organizations</th>
        </tr>
      </thead>
      <tbody>
        {options.map((option) => (
          <tr key={option.id}>
            <td>
              <a href={`${DASHBOARD_PREFIX}/applications/${encodeURIComponent(option.clientId)}`}>
                {option.clientName}
              </a>
              {option.unavailable ? (
                <span class="hint"> (cannot be tried here: {option.unavailable.reason})</span>
              ) : null}
            </td>
            <td>
              {option.apiName} <code>{option.audience}</code>
            </td>
            <td>{option.scopes.length === 0 ? 'none' : <code>{option.scopes.join(' ')}</code>}</td>
            <td>{option.organizationUsage}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** `/dashboard/try`: the form, and after a POST without JavaScript, its result. */
export function TryPage(props: {
  options: readonly GrantOption[]
  input: TryInput
  session: DashboardSession | undefined
  result?: TryResult | undefined
  /** Why the form was not sent on (a 4xx), or why the tenant did not answer (a 5xx). */
  problem?: string | undefined
  status?: string | undefined
}) {
  const { input, options } = props
  const anyUnavailable = options.some((option) => option.unavailable)
  return (
    <>
      <p>
        Gets a real token from this tenant's <code>POST /oauth/token</code> with an application's
        credentials, then decodes and verifies it. The exchange shows in the{' '}
        <a href={`${DASHBOARD_PREFIX}/logs`}>logs</a> like any other.
      </p>
      {options.length === 0 ? (
        <p class="empty">
          No application has a grant yet: <a href={`${DASHBOARD_PREFIX}/grants`}>grant an API</a>{' '}
          first.
        </p>
      ) : null}
      <form id="try-form" method="post" action={`${DASHBOARD_PREFIX}/try`} class="card">
        <h2>Request a token</h2>
        <CsrfField session={props.session} />
        <label for="try-grant">Application and API</label>
        <select
          id="try-grant"
          name="grant"
          required
          aria-describedby={anyUnavailable ? 'try-grant-note' : undefined}
        >
          <option value="">Choose a client grant…</option>
          {options.map((option) => (
            <option
              key={option.id}
              value={option.id}
              disabled={option.unavailable !== undefined}
              selected={option.id === input.grant}
            >
              {option.clientName} → {option.apiName}
              {option.unavailable ? ` (${option.unavailable.label})` : ''}
            </option>
          ))}
        </select>
        {anyUnavailable ? (
          <p id="try-grant-note" class="hint">
            Applications that authenticate with private_key_jwt are listed but cannot be tried here:
            the dashboard holds no private key to sign their client assertion.
          </p>
        ) : null}
        <label for="try-scope">Scope (optional)</label>
        <input
          id="try-scope"
          name="scope"
          value={input.scope}
          maxLength={1000}
          autocomplete="off"
          spellcheck={false}
          aria-describedby="try-scope-hint"
        />
        <p id="try-scope-hint" class="hint">
          Space-separated. Empty asks for none; Auth0 issues every scope of the grant either way,
          and refuses a scope outside it.
        </p>
        <label for="try-organization">Organization (optional)</label>
        <input
          id="try-organization"
          name="organization"
          value={input.organization}
          maxLength={255}
          autocomplete="off"
          spellcheck={false}
          aria-describedby="try-organization-hint"
        />
        <p id="try-organization-hint" class="hint">
          An organization's id (<code>org_…</code>), or its name where the tenant allows names.
        </p>
        <button type="submit">Get a token</button>
      </form>
      <p id="try-status" role="status">
        {props.status ?? ''}
      </p>
      <div id="try-result" aria-live="polite">
        {props.problem ? <p class="flash flash-error">{props.problem}</p> : null}
        {props.result ? <TryResultView result={props.result} /> : null}
      </div>
      {options.length > 0 ? <GrantTable options={options} /> : null}
    </>
  )
}
