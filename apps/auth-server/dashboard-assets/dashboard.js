// The dashboard works without this script; with it: copy buttons and confirmations.
// Sections add their own enhancements below (live log, inline "Try it").

/** The session's CSRF token, for requests this script makes. */
export const csrf = () => document.body.dataset.csrf ?? ''

function addCopyButtons() {
  if (!navigator.clipboard) return
  for (const element of document.querySelectorAll('[data-copy]')) {
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
      if (!window.confirm(form.dataset.confirm)) event.preventDefault()
    })
  }
}

addCopyButtons()
confirmDangerousForms()
