// The dashboard works without this script; with it: copy buttons, confirmations,
// the live log (live-log.js) and inline "Try it" (try-it.js). Each enhancement
// runs only on the page whose elements it finds.
import { enhanceLiveLog } from './live-log.js'
import { enhanceTryIt } from './try-it.js'

/** The session's CSRF token, for requests this script makes. */
export const csrf = () => document.body.dataset.csrf ?? ''

/** A copy button after each `[data-copy]` element under `root` that has none yet. */
export function addCopyButtons(root = document) {
  if (!navigator.clipboard) return
  for (const element of root.querySelectorAll('[data-copy]')) {
    if (element.dataset.copyButton === 'added') continue
    element.dataset.copyButton = 'added'
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'copy secondary'
    button.textContent = 'Copy'
    button.setAttribute('aria-label', 'Copy to the clipboard')
    button.addEventListener('click', async () => {
      await navigator.clipboard.writeText(element.textContent ?? '')
      button.textContent = 'Copied'
      setTimeout(() => {
        button.textContent = 'Copy'
      }, 1500)
    })
    element.after(button)
  }
}

function confirmDangerousForms() {
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault()
        return
      }
      // Answered here: the server makes the change without asking again on a page.
      const answer = form.elements.namedItem('_confirmed')
      if (answer) answer.value = 'yes'
    })
  }
}

addCopyButtons()
confirmDangerousForms()
enhanceLiveLog()
enhanceTryIt({ csrf, addCopyButtons })
