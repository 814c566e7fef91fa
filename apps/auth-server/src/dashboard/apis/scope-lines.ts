import type { ResourceServerScope } from '../../tenant/model.js'

/**
 * The scopes typed in the create form, one a line as `value description`:
 * the value ends at the first space, the rest of the line describes it.
 */
export function scopesFromLines(text: string): ResourceServerScope[] {
  return text.split(/\r?\n/).flatMap((line) => {
    const match = /^(\S+)(?:\s+(.*))?$/.exec(line.trim())
    if (!match) return []
    const [, value = '', description] = match
    return [description ? { value, description } : { value }]
  })
}
