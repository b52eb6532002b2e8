// Checks a CycloneDX SBOM written by `npm run sbom` (cyclonedx-npm --omit dev --flatten-components)
// against package-lock.json: it must list exactly the production dependency tree, each package at
// the version the lockfile installs. Pure; used by the SBOM test and local/src/cli/check-sbom.ts.

export interface SbomComponent {
  type?: string;
  group?: string;
  name: string;
  version?: string;
  purl?: string;
  properties?: { name: string; value: string }[];
}

export interface Sbom {
  bomFormat?: string;
  specVersion?: string;
  metadata?: { component?: SbomComponent };
  components?: SbomComponent[];
}

interface LockEntry {
  name?: string;
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  link?: boolean;
}
export interface Lockfile {
  packages: Record<string, LockEntry>;
}

export const componentName = (c: SbomComponent): string => (c.group ? `${c.group}/${c.name}` : c.name);

/** Where cyclonedx-npm found the package: its `cdx:npm:package:path` property (node_modules/...). */
export const componentPath = (c: SbomComponent): string | undefined =>
  c.properties?.find((p) => p.name === 'cdx:npm:package:path')?.value;

/** The package name a lockfile key installs: what follows its last `node_modules/`. */
const nameAt = (path: string): string => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

/**
 * Problems, one line each (empty: the SBOM matches). Optional packages the lockfile lists for other
 * platforms (esbuild's, lz4-napi's binaries) are not installed here, so their absence is fine; a
 * listed one must still match the lockfile.
 */
export function sbomProblems(sbom: Sbom, lock: Lockfile): string[] {
  const problems: string[] = [];
  if (sbom.bomFormat !== 'CycloneDX') problems.push(`bomFormat is ${sbom.bomFormat ?? 'missing'}, not CycloneDX`);
  const listed = new Map<string, SbomComponent>();
  for (const c of sbom.components ?? []) {
    const path = componentPath(c);
    if (!path) {
      problems.push(`${componentName(c)}@${c.version} has no cdx:npm:package:path`);
      continue;
    }
    listed.set(path, c);
    const entry = lock.packages[path];
    if (!entry) {
      problems.push(`${componentName(c)}@${c.version} (${path}) is not in package-lock.json`);
      continue;
    }
    if (entry.dev) problems.push(`${componentName(c)} (${path}) is a dev dependency`);
    if (entry.link) continue; // a workspace: its version is its package.json's, which the lockfile does not hold
    if (entry.version !== c.version)
      problems.push(`${componentName(c)} (${path}) is ${c.version} in the SBOM, ${entry.version} in package-lock.json`);
  }
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.includes('node_modules/') || entry.dev || entry.devOptional || entry.optional) continue;
    if (entry.link) {
      // a workspace link (node_modules/@ecom/kit -> services/kit): listed under its real location
      continue;
    }
    if (!listed.has(path)) problems.push(`${nameAt(path)}@${entry.version} (${path}) is missing from the SBOM`);
  }
  return problems;
}

/** The version the SBOM lists for a package name (every copy, when several are installed). */
export function versionsOf(sbom: Sbom, name: string): string[] {
  return (sbom.components ?? []).filter((c) => componentName(c) === name).map((c) => c.version ?? '');
}

/** The versions package-lock.json installs for a package name outside the dev-only tree. */
export function lockVersionsOf(lock: Lockfile, name: string): string[] {
  return Object.entries(lock.packages)
    .filter(([path, e]) => path.includes('node_modules/') && nameAt(path) === name && !e.dev && !e.link)
    .map(([, e]) => e.version ?? '');
}
