// The SDK is started by the preload (register.ts), the process is ended by runService: the hook is
// kept on globalThis so that both see it even if the kit were loaded twice (source and dist).
const KEY = Symbol.for('ecom.telemetry.shutdown');
type Holder = { [KEY]?: () => Promise<void> };

export function setTelemetryShutdown(shutdown: () => Promise<void>): void {
  (globalThis as Holder)[KEY] = shutdown;
}

/** Exports the spans still buffered and stops the SDK; a no-op when tracing is off. Never throws. */
export async function shutdownTelemetry(): Promise<void> {
  await (globalThis as Holder)[KEY]?.().catch(() => undefined);
}
