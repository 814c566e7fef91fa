import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { CredentialsExchangeAction } from './model.js'
import type { Build } from './section-build.js'

/** The one trigger the local tenant runs actions for. */
export const CREDENTIALS_EXCHANGE = 'credentials-exchange'

/**
 * The actions bound to `credentials-exchange`, in trigger order. Actions not
 * bound there never run, so their files are not required (a real export's
 * post-login actions, for instance).
 */
export async function buildActions({ doc, at, report }: Build, baseDir: string) {
  const entries = doc.actions ?? []
  entries.forEach((entry, i) => {
    const same = entries.findIndex((other) => other.name === entry.name)
    if (same < i) report(['actions', i, 'name'], `duplicate action name, also actions[${same}]`)
  })

  const list: CredentialsExchangeAction[] = []
  const checks: Array<Promise<void>> = []
  const bindings = doc.triggers?.[CREDENTIALS_EXCHANGE] ?? []
  bindings.forEach((binding, k) => {
    const bindingPath = ['triggers', CREDENTIALS_EXCHANGE, k]
    const i = entries.findIndex((entry) => entry.name === binding.action_name)
    const entry = entries[i]
    if (!entry) {
      report([...bindingPath, 'action_name'], `no action named "${binding.action_name}"`)
      return
    }
    const previous = bindings.findIndex((other) => other.action_name === binding.action_name)
    if (previous < k) {
      report(
        [...bindingPath, 'action_name'],
        `"${binding.action_name}" is already bound by ${at('triggers', CREDENTIALS_EXCHANGE, previous)}`,
      )
      return
    }
    if (!entry.supported_triggers.some((trigger) => trigger.id === CREDENTIALS_EXCHANGE)) {
      report(
        ['actions', i, 'supported_triggers'],
        `lacks "${CREDENTIALS_EXCHANGE}", yet ${at(...bindingPath)} binds the action to it`,
      )
    }
    const modulePath = resolve(baseDir, entry.code)
    checks.push(
      stat(modulePath).then(
        (info) => {
          if (!info.isFile()) report(['actions', i, 'code'], `${modulePath} is not a file`)
        },
        () => report(['actions', i, 'code'], `no file at ${modulePath}`),
      ),
    )
    const secrets: Record<string, string> = {}
    for (const secret of entry.secrets ?? []) {
      // A real export names secrets without their values: those stay unset.
      if (secret.value !== undefined) secrets[secret.name] = secret.value
    }
    const dependencies = (entry.dependencies ?? []).map((dependency) => dependency.name)
    list.push({ name: entry.name, modulePath, secrets, dependencies })
  })
  await Promise.all(checks)
  return list
}
