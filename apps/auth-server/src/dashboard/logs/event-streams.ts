import type { ServerResponse } from 'node:http'

export interface EventStreamsOptions {
  /** Streams open at once; one more is refused (the route answers 503). */
  maxStreams: number
  /** A `: heartbeat` comment this often keeps proxies and idle timeouts from cutting a quiet stream. */
  heartbeatMs: number
  /** The `retry:` sent first: how long a browser waits before reconnecting. */
  retryMs: number
  /** A reader this far behind is cut off rather than buffered for without bound. */
  maxBufferedBytes: number
}

export interface EventStream {
  /** Writes one server-sent event (`data` as one line of JSON). */
  send(event: string, data: unknown, id?: string): void
}

/**
 * Server-sent event streams on raw responses (the route hijacks the reply),
 * counted and capped, with one shared heartbeat timer, and all ended at once
 * by `closeAll` so that the server can close.
 */
export function createEventStreams(options: EventStreamsOptions) {
  /** Each open stream, with whether its reader may still read (signed in). */
  const open = new Map<ServerResponse, () => boolean>()
  let heartbeat: NodeJS.Timeout | undefined

  function beat() {
    for (const [response, allowed] of open) {
      if (allowed()) write(response, ': heartbeat\n\n')
      else response.end()
    }
  }

  function write(response: ServerResponse, text: string) {
    if (response.writableEnded || response.destroyed) return
    if (response.writableLength > options.maxBufferedBytes) {
      response.destroy()
      return
    }
    response.write(text)
  }

  return {
    get size() {
      return open.size
    },
    /** Whether another stream may open now. */
    hasRoom(): boolean {
      return open.size < options.maxStreams
    },
    /**
     * Answers 200 `text/event-stream` on `response` with `headers` added, or
     * `undefined` when full or the browser already left. `onClose` runs once,
     * however the stream ends. Once `allowed` says no (its session signed out
     * or expired), the stream ends at the next event or heartbeat.
     */
    open(
      response: ServerResponse,
      headers: Record<string, string | number | string[] | undefined>,
      onClose: () => void,
      allowed: () => boolean = () => true,
    ): EventStream | undefined {
      if (open.size >= options.maxStreams || !response.socket || response.socket.destroyed) {
        return undefined
      }
      response.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        // Not kept alive once ended: a stream ended by closeAll frees its socket at once.
        connection: 'close',
      })
      response.write(`retry: ${options.retryMs}\n\n`)
      open.set(response, allowed)
      response.once('close', () => {
        open.delete(response)
        if (open.size === 0 && heartbeat) {
          clearInterval(heartbeat)
          heartbeat = undefined
        }
        onClose()
      })
      if (!heartbeat) {
        heartbeat = setInterval(beat, options.heartbeatMs)
        heartbeat.unref()
      }
      return {
        send(event, data, id) {
          if (!allowed()) {
            response.end()
            return
          }
          const idLine = id === undefined ? '' : `id: ${id}\n`
          write(response, `${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
        },
      }
    },
    /** Ends every open stream (a `preClose` hook: `close()` must not wait for browsers). */
    closeAll(): void {
      for (const response of open.keys()) response.end()
    },
  }
}

export type EventStreams = ReturnType<typeof createEventStreams>
