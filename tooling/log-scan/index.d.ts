/** vitest `test` options: capture every log line of the run and scan them for secrets at the end. */
export declare const logScan: { setupFiles: string[]; globalSetup: string[] }
