import { DASHBOARD_PREFIX } from './layout.js'

/** The sign-in page: a password form when `DASHBOARD_PASSWORD` is set, else how to get a link. */
export function LoginPage(props: { passwordEnabled: boolean; next: string; problem?: string }) {
  return (
    <section class="login">
      {props.problem ? (
        <p class="flash flash-error" role="alert">
          {props.problem}
        </p>
      ) : null}
      {props.passwordEnabled ? (
        <form method="post" action={`${DASHBOARD_PREFIX}/login`}>
          <input type="hidden" name="next" value={props.next} />
          <label for="password">Admin password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
          />
          <button type="submit">Sign in</button>
        </form>
      ) : null}
      <p>
        {props.passwordEnabled
          ? 'Or open a one-time sign-in link printed by the tenant when it started.'
          : 'Open the one-time sign-in link the tenant printed when it started (or set DASHBOARD_PASSWORD and restart it).'}
      </p>
    </section>
  )
}
