/**
 * Whether the standard OTEL_* environment asks for traces: an OTLP endpoint is set and neither the
 * SDK nor the traces exporter is switched off. Without one, register.ts loads nothing.
 */
export function tracingConfigured(env: Record<string, string | undefined>): boolean {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return (env.OTEL_TRACES_EXPORTER ?? 'otlp').trim().toLowerCase() !== 'none';
}

/** `services/<name>/…` in the main module's path names the service, for OTEL_SERVICE_NAME's default. */
export function serviceNameFromMain(mainPath: string | undefined): string | undefined {
  return mainPath ? /[\\/]services[\\/]([a-z][a-z0-9-]*)[\\/](?:src|dist)[\\/]/.exec(mainPath)?.[1] : undefined;
}
