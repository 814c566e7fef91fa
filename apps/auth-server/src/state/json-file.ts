import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Reads a JSON file, or `undefined` when it does not exist. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

const queues = new Map<string, Promise<void>>()

/**
 * Writes a file atomically (a uniquely named temporary file, then rename) with
 * owner-only permissions, as it may hold private keys or secret hashes.
 * Writes to one path run one after another, in call order, so concurrent
 * changes never race on the file and the last one written is the last asked.
 */
export function writeFileAtomic(path: string, content: string): Promise<void> {
  const previous = queues.get(path) ?? Promise.resolve()
  const next = previous
    .catch(() => {})
    .then(async () => {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 })
      const temporary = `${path}.${randomBytes(8).toString('hex')}.tmp`
      await writeFile(temporary, content, { mode: 0o600 })
      await rename(temporary, path)
    })
  queues.set(path, next)
  void next
    .finally(() => {
      if (queues.get(path) === next) queues.delete(path)
    })
    .catch(() => {})
  return next
}
