import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { startPostgresServer, startRedisServer } from '../src/index.js'

/** Sends a Redis inline command and returns the first line of the reply. */
async function redis(port: number, command: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  socket.write(`${command}\r\n`)
  const reply = await new Promise<string>((resolve, reject) => {
    socket.once('data', (chunk) => resolve(chunk.toString().split('\r\n')[0] as string))
    socket.once('error', reject)
  })
  socket.destroy()
  return reply
}

describe('throw-away servers', () => {
  it('Redis: answers, is killed and started again empty on the same port', async () => {
    const server = await startRedisServer()
    try {
      expect(await redis(server.port, 'SET k v')).toBe('+OK')
      await server.kill()
      await expect(redis(server.port, 'PING')).rejects.toMatchObject({ code: 'ECONNREFUSED' })
      await server.start()
      expect(await redis(server.port, 'GET k')).toBe('$-1')
    } finally {
      await server.stop()
    }
  }, 30_000)

  it('PostgreSQL (durable): a committed row survives a shutdown and start; stop deletes the data', async () => {
    const server = await startPostgresServer({ durable: true })
    try {
      const first = new pg.Client({ connectionString: server.url })
      await first.connect()
      await first.query('CREATE TABLE t (n int)')
      await first.query('INSERT INTO t VALUES (42)')
      await first.end()
      await server.shutdown()
      await server.start()
      const second = new pg.Client({ connectionString: server.url })
      await second.connect()
      expect((await second.query('SELECT n FROM t')).rows).toEqual([{ n: 42 }])
      const { rows } = await second.query(`SELECT current_setting('data_directory') AS dir`)
      await second.end()
      await server.stop()
      expect(existsSync(rows[0].dir)).toBe(false)
    } finally {
      await server.stop()
    }
  }, 60_000)
})
