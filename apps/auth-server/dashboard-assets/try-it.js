// /dashboard/try, inline: the form is sent with fetch and its JSON answer
// rendered into #try-result. The result matches src/dashboard/try-it/try-views.tsx.

function element(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  Object.assign(node, props)
  node.append(...children.filter((child) => child !== null && child !== undefined))
  return node
}

const code = (text) => element('code', {}, String(text))
const hidden = (text) => {
  const span = element('span', {}, text)
  span.setAttribute('aria-hidden', 'true')
  return span
}
const json = (value) => JSON.stringify(value ?? {}, null, 2)

/** `86400` → `86400 s (24 h)`. */
function lifetime(seconds) {
  if (seconds >= 3600) return `${seconds} s (${Number((seconds / 3600).toFixed(1))} h)`
  if (seconds >= 60) return `${seconds} s (${Number((seconds / 60).toFixed(1))} min)`
  return `${seconds} s`
}

function copyable(tag, props, text) {
  const node = element(tag, props, text)
  node.dataset.copy = 'true'
  return node
}

function terminalLines(curl) {
  const apiUrlNote = curl.callApi.includes('$API_URL')
    ? ['; ', code('API_URL'), ': where the API listens, as its identifier is not a URL']
    : []
  return [
    element('h3', {}, 'From a terminal'),
    element(
      'p',
      {},
      'Get a token (set ',
      code('CLIENT_SECRET'),
      " to the application's secret first):",
    ),
    copyable('pre', { className: 'command' }, curl.getToken),
    element(
      'p',
      {},
      'Call the API with it (',
      code('TOKEN'),
      ': the ',
      code('access_token'),
      ' it answers',
      ...apiUrlNote,
      '):',
    ),
    copyable('pre', { className: 'command' }, curl.callApi),
  ]
}

function verificationTable(verification) {
  const rows = (verification.checks ?? []).map((check) => {
    const name = element('th', {}, String(check.name))
    name.scope = 'row'
    return element(
      'tr',
      { className: check.ok ? 'check-ok' : 'check-failed' },
      name,
      element('td', {}, hidden(check.ok ? '✓' : '✗'), check.ok ? ' passed' : ' failed'),
      element('td', {}, String(check.detail ?? '')),
    )
  })
  const heading = (text) => {
    const th = element('th', {}, text)
    th.scope = 'col'
    return th
  }
  return [
    element('h3', {}, `Verification: ${verification.valid ? 'valid' : 'not valid'}`),
    element(
      'table',
      { className: 'checks' },
      element('caption', {}, 'How the token was verified, as an API would'),
      element(
        'thead',
        {},
        element('tr', {}, heading('Check'), heading('Result'), heading('Detail')),
      ),
      element('tbody', {}, ...rows),
    ),
  ]
}

/** The outcome of one exchange, from POST /dashboard/try's JSON answer. */
export function tryResult(answer) {
  const title = element(
    'h2',
    { id: 'try-outcome-heading' },
    hidden(answer.ok ? '✓' : '✗'),
    ` ${answer.ok ? 'Token issued' : 'Refused'} (HTTP ${answer.status})`,
  )
  const section = element(
    'section',
    { className: `try-outcome ${answer.ok ? 'try-issued' : 'try-refused'}` },
    title,
  )
  section.setAttribute('aria-labelledby', 'try-outcome-heading')
  if (!answer.ok) {
    section.append(
      element(
        'p',
        { className: 'try-error' },
        code(answer.error ?? 'error'),
        `: ${answer.error_description ?? ''}`,
      ),
    )
  }
  if (answer.token) {
    section.append(
      element(
        'dl',
        { className: 'facts' },
        element('dt', {}, 'Token type'),
        element('dd', {}, answer.token_type ?? 'Bearer'),
        element('dt', {}, 'Expires in'),
        element(
          'dd',
          {},
          typeof answer.expires_in === 'number' ? lifetime(answer.expires_in) : 'not said',
        ),
      ),
      element('h3', {}, 'Access token'),
      element('p', { className: 'hint' }, 'Whoever holds it can call the API until it expires.'),
      element('p', {}, copyable('code', { className: 'token' }, answer.token)),
      element('h3', {}, 'Header'),
      element('pre', { className: 'json' }, json(answer.header)),
      element('h3', {}, 'Payload'),
      element('pre', { className: 'json' }, json(answer.payload)),
    )
  }
  if (answer.verification) section.append(...verificationTable(answer.verification))
  if (answer.curl) section.append(...terminalLines(answer.curl))
  return section
}

async function readAnswer(response) {
  const text = await response.text()
  try {
    return { json: JSON.parse(text), text }
  } catch {
    return { json: undefined, text }
  }
}

export function enhanceTryIt({ csrf, addCopyButtons }) {
  const form = document.getElementById('try-form')
  const status = document.getElementById('try-status')
  const result = document.getElementById('try-result')
  if (!(form instanceof HTMLFormElement) || !status || !result) return
  const submit = form.querySelector('button[type="submit"]')

  const busy = (on) => {
    if (submit) submit.disabled = on
    if (on) form.setAttribute('aria-busy', 'true')
    else form.removeAttribute('aria-busy')
  }
  const unanswered = (reason) => {
    // The dashboard's own 502 says it already: once is enough.
    const why = String(reason).replace(/^The tenant did not answer: /, '')
    status.textContent = `The tenant did not answer: ${why}`
    result.replaceChildren()
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (form.getAttribute('aria-busy') === 'true') return
    busy(true)
    status.textContent = 'Requesting a token…'
    try {
      let response
      try {
        response = await fetch(form.getAttribute('action') ?? window.location.pathname, {
          method: 'POST',
          headers: { accept: 'application/json', 'x-csrf-token': csrf() },
          body: new URLSearchParams(new FormData(form)),
          credentials: 'same-origin',
        })
      } catch (error) {
        unanswered(error instanceof Error ? error.message : String(error))
        return
      }
      const answer = await readAnswer(response)
      if (response.status >= 500) {
        unanswered(answer.json?.error_description ?? `HTTP ${response.status}`)
        return
      }
      if (response.ok && answer.json && typeof answer.json.ok === 'boolean') {
        result.replaceChildren(tryResult(answer.json))
        addCopyButtons(result)
        status.textContent = answer.json.ok
          ? 'Token issued.'
          : `Refused: ${answer.json.error ?? 'error'}.`
        return
      }
      // 4xx: the form's fields (JSON), or the dashboard's guard (text: CSRF, signed out).
      const problem =
        answer.json?.error_description ?? (answer.text.trim() || `HTTP ${response.status}`)
      result.replaceChildren(element('p', { className: 'flash flash-error' }, problem))
      status.textContent = `Not sent: ${problem}`
    } catch (error) {
      unanswered(error instanceof Error ? error.message : String(error))
    } finally {
      busy(false)
    }
  })
}
