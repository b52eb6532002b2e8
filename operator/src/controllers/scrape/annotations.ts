/** The label a workload opts in with; only the value "true" counts. */
export const SCRAPE_LABEL = 'ecom.dev/scrape';
export const SCRAPE_LABEL_SELECTOR = `${SCRAPE_LABEL}=true`;
export const PORT_ANNOTATION = 'ecom.dev/scrape-port';
export const PATH_ANNOTATION = 'ecom.dev/scrape-path';
export const INTERVAL_ANNOTATION = 'ecom.dev/scrape-interval';

export const SCRAPE_DEFAULTS = { port: 'http', path: '/metrics', interval: '30s' } as const;

/** A port by name (a container or Service port name) or by number. */
export type PortRef = { name: string } | { number: number };

export interface ScrapeSettings {
  port: PortRef;
  path: string;
  interval: string;
}

export type ScrapeSettingsResult = { ok: true; settings: ScrapeSettings } | { ok: false; problems: string[] };

/** Kubernetes' IANA_SVC_NAME: what a container or Service port may be named. */
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
/** The Prometheus Operator CRDs' Duration pattern (Prometheus' own duration syntax). */
const DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

export function isScrapeLabelled(labels: Record<string, string> | undefined): boolean {
  return labels?.[SCRAPE_LABEL] === 'true';
}

/** Reads port, path and interval from a workload's annotations, with the defaults; every problem at once. */
export function parseScrapeAnnotations(annotations: Record<string, string> | undefined): ScrapeSettingsResult {
  const problems: string[] = [];
  const value = (key: string, fallback: string) => (annotations?.[key] ?? '').trim() || fallback;

  const portText = value(PORT_ANNOTATION, SCRAPE_DEFAULTS.port);
  let port: PortRef = { name: portText };
  if (/^\d+$/.test(portText)) {
    const number = Number(portText);
    if (number < 1 || number > 65535) problems.push(`${PORT_ANNOTATION} ${portText} is not a port number (1-65535)`);
    port = { number };
  } else if (!PORT_NAME.test(portText)) {
    problems.push(
      `${PORT_ANNOTATION} ${JSON.stringify(portText)} is neither a port number (1-65535) nor a port name (1-15 lowercase letters, digits and single '-', with a letter, as Kubernetes names ports)`,
    );
  }

  const path = value(PATH_ANNOTATION, SCRAPE_DEFAULTS.path);
  if (!path.startsWith('/') || /[\s?#]/.test(path)) {
    problems.push(
      `${PATH_ANNOTATION} ${JSON.stringify(path)} must be an HTTP path starting with "/" (no spaces, query or fragment)`,
    );
  }

  const interval = value(INTERVAL_ANNOTATION, SCRAPE_DEFAULTS.interval);
  // All-zero durations (0, 0s, 0m0s) match the pattern but would never scrape.
  if (!DURATION.test(interval) || !/[1-9]/.test(interval)) {
    problems.push(
      `${INTERVAL_ANNOTATION} ${JSON.stringify(interval)} must be a Prometheus duration above zero, such as 15s, 1m or 1m30s`,
    );
  }

  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: { port, path, interval } };
}
