import type { ComponentChildren } from 'preact'
import type { DashboardSession } from './dashboard-sessions.js'

export const DASHBOARD_PREFIX = '/dashboard'

/** What every page knows about the request it answers. */
export interface PageContext {
  /** The path asked for, without the query: marks the current section in the navigation. */
  path: string
  issuer: string
  session: DashboardSession | undefined
}

const SECTIONS: ReadonlyArray<readonly [path: string, label: string]> = [
  ['', 'Overview'],
  ['/applications', 'Applications'],
  ['/apis', 'APIs'],
  ['/grants', 'Grants'],
  ['/organizations', 'Organizations'],
  ['/keys', 'Signing keys'],
  ['/quotas', 'Quotas'],
  ['/logs', 'Logs'],
  ['/try', 'Try it'],
]

function isCurrent(current: string, section: string): boolean {
  const full = `${DASHBOARD_PREFIX}${section}`
  return section === '' ? current === full || current === `${full}/` : current.startsWith(full)
}

/** The hidden field every form that changes something sends back. */
export function CsrfField({ session }: { session: DashboardSession | undefined }) {
  return session ? <input type="hidden" name="_csrf" value={session.csrf} /> : null
}

/** A message from the previous action (a change redirects to the page it came from). */
function Flash({ session }: { session: DashboardSession | undefined }) {
  const flash = session?.flash
  if (!flash) return null
  return (
    <p class={`flash flash-${flash.kind}`} role={flash.kind === 'error' ? 'alert' : 'status'}>
      {flash.text}
    </p>
  )
}

/** The page shell: navigation, the flash message, the page's content. */
export function Layout(props: {
  title: string
  context: PageContext
  children: ComponentChildren
}) {
  const { context } = props
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · local tenant`}</title>
        <link rel="stylesheet" href={`${DASHBOARD_PREFIX}/assets/dashboard.css`} />
        <script src={`${DASHBOARD_PREFIX}/assets/dashboard.js`} defer type="module" />
      </head>
      <body data-csrf={context.session?.csrf}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <span class="brand">Local tenant</span>
          <span class="issuer" title="issuer">
            {context.issuer}
          </span>
          {context.session ? (
            <form method="post" action={`${DASHBOARD_PREFIX}/logout`} class="logout">
              <CsrfField session={context.session} />
              <button type="submit">Sign out</button>
            </form>
          ) : null}
        </header>
        {context.session ? (
          <nav aria-label="Dashboard">
            <ul>
              {SECTIONS.map(([section, label]) => (
                <li key={section}>
                  <a
                    href={`${DASHBOARD_PREFIX}${section}`}
                    aria-current={isCurrent(context.path, section) ? 'page' : undefined}
                  >
                    {label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <main id="main">
          <h1>{props.title}</h1>
          <Flash session={context.session} />
          {props.children}
        </main>
      </body>
    </html>
  )
}
