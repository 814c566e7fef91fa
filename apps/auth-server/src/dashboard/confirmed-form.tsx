import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ComponentChildren } from 'preact'
import type { DashboardSession } from './dashboard-sessions.js'
import { CsrfField, DASHBOARD_PREFIX } from './layout.js'
import type { SendPage } from './render-page.js'

/** The form fields that make a change wait for a "yes". */
export const CONFIRM_FIELDS = { question: '_confirm', answer: '_confirmed' } as const

/**
 * A form for a change that cannot be undone. With the script, the browser
 * asks `question` (`data-confirm`) and sends the answer; without it, the
 * server holds the change and asks on a page of its own (`holdUnconfirmed`).
 */
export function ConfirmedForm(props: {
  action: string
  question: string
  session: DashboardSession | undefined
  class?: string
  children: ComponentChildren
}) {
  return (
    <form method="post" action={props.action} class={props.class} data-confirm={props.question}>
      <CsrfField session={props.session} />
      <input type="hidden" name={CONFIRM_FIELDS.question} value={props.question} />
      <input type="hidden" name={CONFIRM_FIELDS.answer} value="" />
      {props.children}
    </form>
  )
}

/** The dashboard section a path belongs to: where "Cancel" goes back to. */
function sectionOf(path: string): string {
  const [, prefix, section] = path.split('/')
  return section ? `/${prefix}/${section}` : DASHBOARD_PREFIX
}

/**
 * A `preHandler`: a change sent by a `ConfirmedForm` without its "yes" is
 * not made; the page asks the question, with a form that sends the same
 * fields again answered.
 */
export function createConfirmationHold(sendPage: SendPage) {
  return async function holdUnconfirmed(request: FastifyRequest, reply: FastifyReply) {
    if (request.method !== 'POST') return
    const body = request.body as Record<string, unknown> | undefined
    const question = body?.[CONFIRM_FIELDS.question]
    if (
      typeof question !== 'string' ||
      question === '' ||
      body?.[CONFIRM_FIELDS.answer] === 'yes'
    ) {
      return
    }
    const action = request.url.split('?')[0] ?? DASHBOARD_PREFIX
    const fields = Object.entries(body ?? {}).filter(
      (entry): entry is [string, string] =>
        typeof entry[1] === 'string' && entry[0] !== CONFIRM_FIELDS.answer,
    )
    return sendPage(request, reply, {
      title: 'Are you sure?',
      content: (
        <form method="post" action={action} class="card">
          <p>{question}</p>
          {fields.map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <input type="hidden" name={CONFIRM_FIELDS.answer} value="yes" />
          <div class="actions">
            <button type="submit" class="danger">
              Yes, go ahead
            </button>
            <a href={sectionOf(action)}>Cancel</a>
          </div>
        </form>
      ),
    })
  }
}
