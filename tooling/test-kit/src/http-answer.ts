/** What the attack suites check of an HTTP answer. */
export interface HttpAnswer {
  statusCode: number
  /** The `WWW-Authenticate` challenge, if any. */
  wwwAuthenticate: string | string[] | undefined
  /** The JSON body; undefined when the body is empty. */
  body: Record<string, unknown> | undefined
}

/** An HTTP response as undici's `request` gives it (test-kit depends on no HTTP client). */
export interface HttpResponseLike {
  statusCode: number
  headers: Record<string, string | string[] | undefined>
  body: { text(): Promise<string> }
}

/** Reads a response to its end: status, challenge and JSON body. */
export async function readHttpAnswer(res: HttpResponseLike): Promise<HttpAnswer> {
  const text = await res.body.text()
  return {
    statusCode: res.statusCode,
    wwwAuthenticate: res.headers['www-authenticate'],
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  }
}
