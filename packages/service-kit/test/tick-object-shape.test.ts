import { createHook } from 'node:async_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { expect, it } from 'vitest'
import { holdTickObjectShape } from '../src/index.js'

/** The entry the next `process.nextTick` queues. */
function nextTickEntry(): object {
  let entry: object | undefined
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject') entry ??= resource
    },
  }).enable()
  process.nextTick(() => {})
  hook.disable()
  if (entry === undefined) throw new Error('no TickObject was queued')
  return entry
}

it("holds one of nextTick's queue entries, the same one on every call", () => {
  const held = holdTickObjectShape()
  expect(held).toMatchObject({ callback: expect.any(Function), args: undefined })
  expect(holdTickObjectShape()).toBe(held)
})

it("keeps later entries on the held entry's map through full collections", () => {
  // V8's own view: natives syntax and `gc` for code compiled from here on.
  setFlagsFromString('--allow-natives-syntax')
  setFlagsFromString('--expose-gc')
  const collect = runInNewContext('gc') as () => void
  const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
    a: object,
    b: object,
  ) => boolean

  const held = holdTickObjectShape()
  for (let i = 0; i < 6; i++) collect()
  expect(sameMap(held, nextTickEntry())).toBe(true)
  expect(sameMap(held, {})).toBe(false)
})
