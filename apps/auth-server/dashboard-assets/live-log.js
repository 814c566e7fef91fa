// /dashboard/logs, live: each new exchange arrives as an `exchange` server-sent
// event and is prepended to #log-rows. The rows match src/dashboard/logs/log-views.tsx.

const OUTCOMES = {
  issued: { mark: '✓', label: 'Issued' },
  refused: { mark: '✗', label: 'Refused' },
  warning: { mark: '!', label: 'Quota warning' },
}
/** Refusals (not 200 text/event-stream) in a row before giving up. */
const MAX_REFUSALS = 3
/** The browser reconnects by itself after a network error; after a refusal we do, this soon. */
const RETRY_AFTER_REFUSAL_MS = 1000

/** `2026-05-01T12:34:56.789Z` → `2026-05-01 12:34:56` (the column says UTC). */
const shortDate = (iso) => String(iso).slice(0, 19).replace('T', ' ')

function element(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  Object.assign(node, props)
  node.append(...children.filter((child) => child !== null && child !== undefined))
  return node
}

const code = (text) => element('code', {}, text)
const none = () => element('span', { className: 'none' }, 'none')

function cell(...children) {
  return element('td', {}, ...children)
}

/** One exchange as a table row (text only: nothing from the event is parsed as HTML). */
export function exchangeRow(exchange) {
  const outcome = OUTCOMES[exchange.outcome] ?? { mark: '', label: String(exchange.type) }
  const row = element('tr', { className: `outcome-${exchange.type}` })
  row.dataset.logId = exchange.log_id
  const time = element('time', { dateTime: exchange.date }, shortDate(exchange.date))
  const mark = element('span', { className: 'outcome-mark' }, outcome.mark)
  mark.setAttribute('aria-hidden', 'true')
  const application =
    exchange.client_id === undefined
      ? [none()]
      : [
          exchange.client_name
            ? element('span', { className: 'client-name' }, exchange.client_name)
            : '',
          ' ',
          code(exchange.client_id),
        ]
  let details
  if (exchange.outcome === 'issued') {
    details = exchange.scope ? ['scope: ', code(exchange.scope)] : ['no scopes']
  } else if (exchange.error) {
    details = [code(exchange.error), `: ${exchange.description}`]
  } else {
    details = [exchange.description]
  }
  row.append(
    cell(time),
    cell(mark, ` ${outcome.label}`),
    cell(...application),
    cell(exchange.audience ? code(exchange.audience) : none()),
    cell(...details),
  )
  return row
}

export function enhanceLiveLog() {
  const rows = document.getElementById('log-rows')
  const status = document.getElementById('live-status')
  if (!rows || !status) return
  const empty = document.getElementById('log-empty')
  const limit = Number(rows.dataset.limit) || 100

  const say = (state, text) => {
    status.dataset.state = state
    status.textContent = text
  }
  if (typeof EventSource !== 'function') {
    say('unavailable', 'Live updates unavailable')
    return
  }

  const url = rows.dataset.stream || `/dashboard/logs/stream${window.location.search}`
  let source
  let refusals = 0
  let retry

  function add(message) {
    let exchange
    try {
      exchange = JSON.parse(message.data)
    } catch {
      return
    }
    if (!exchange || typeof exchange.log_id !== 'string') return
    // A reconnection may send again what the page shows already.
    for (const row of rows.rows) if (row.dataset.logId === exchange.log_id) return
    rows.prepend(exchangeRow(exchange))
    while (rows.rows.length > limit) rows.deleteRow(-1)
    if (empty) empty.hidden = true
  }

  function connect() {
    source = new EventSource(url)
    source.addEventListener('open', () => {
      refusals = 0
      say('live', 'Live')
    })
    source.addEventListener('exchange', add)
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) {
        // A network error: the browser reconnects by itself (retry: 3000).
        say('reconnecting', 'Reconnecting…')
        return
      }
      // Closed for good: the stream answered other than 200 text/event-stream.
      source.close()
      refusals += 1
      if (refusals >= MAX_REFUSALS) {
        say('unavailable', 'Live updates unavailable')
        return
      }
      say('reconnecting', 'Reconnecting…')
      retry = setTimeout(connect, RETRY_AFTER_REFUSAL_MS)
    })
  }

  function disconnect() {
    clearTimeout(retry)
    source?.close()
  }

  say('connecting', 'Connecting…')
  connect()
  // An open stream keeps the page out of the back/forward cache: close it on leaving, open it on return.
  window.addEventListener('pagehide', disconnect)
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return
    disconnect()
    refusals = 0
    say('connecting', 'Connecting…')
    connect()
  })
}
