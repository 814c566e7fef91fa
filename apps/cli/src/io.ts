/** Where a command reads and writes: the process in `main.ts`, buffers in tests. */
export interface CliIo {
  /**
   * `isTTY` true (a terminal) switches the commands to their human format
   * (tables, relative times, colour); a pipe or a file gets the script format.
   */
  stdout: { write(chunk: string): unknown; isTTY?: boolean | undefined }
  stderr: { write(chunk: string): unknown }
  /** All of standard input (for `-`, `@-`). */
  readStdin(): Promise<string>
  /** Credentials and settings; also NO_COLOR, FORCE_COLOR and TERM (colour on a terminal). */
  env: Readonly<Record<string, string | undefined>>
  /** Where `.env` and a relative `--env-file` are looked up. */
  cwd: string
  /** Aborted on Ctrl-C / SIGTERM: long-running commands (`logs --follow`) stop. */
  signal?: AbortSignal
  /** Clock in epoch ms (expiry marks, relative times). */
  now?: () => number
}

/** Run state shared by the commands of one invocation. */
export interface CliContext {
  io: CliIo
  /** Secrets and tokens seen in this run: never printed in an error. */
  sensitive: Set<string>
}
