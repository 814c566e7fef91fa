import { DASHBOARD_PREFIX } from './layout.js'

/** The body of an error page: what went wrong, and the way back. */
export function ErrorContent({ text }: { text: string }) {
  return (
    <section>
      <p role="alert">{text}</p>
      <p>
        <a href={DASHBOARD_PREFIX}>Back to the overview</a>
      </p>
    </section>
  )
}
