/**
 * Graceful stop: the first SIGTERM/SIGINT asks the running topology to finish its current unit of
 * work (batch, transaction) and exit 0; a second signal exits at once.
 */
export interface Shutdown {
  /** Aborted when the first signal arrives. */
  readonly signal: AbortSignal
  /** Removes the signal handlers (call when the app is done). */
  dispose (): void
}

/** Installs handlers for `signals`: the first aborts {@link Shutdown.signal}, a second exits at once. */
export function onShutdown (signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): Shutdown {
  const controller = new AbortController()
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`streamfit: second ${signal}, exiting now\n`)
      process.exit(130)
    }
    process.stderr.write(`streamfit: ${signal} received, finishing the current batch (send again to exit at once)\n`)
    controller.abort(new Error(`stopped by ${signal}`))
  }
  for (const s of signals) process.on(s, handler)
  return {
    signal: controller.signal,
    dispose: () => { for (const s of signals) process.off(s, handler) }
  }
}
