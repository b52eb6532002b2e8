import { readFileSync } from 'node:fs';

/**
 * Typed configuration from environment variables, parsed once at startup. Each setting names its
 * variable, a description (also used for the README's table) and a parser; a bad or missing value
 * is reported together with every other bad value, so one failed start lists everything to fix.
 */
export interface Setting<T> {
  env: string;
  description: string;
  /** Shown in docs; undefined means required. */
  defaultText: string | undefined;
  /** `env` is the whole environment, for a setting that another variable makes required. */
  parse(raw: string | undefined, env: Env): T;
}

export type Env = Readonly<Record<string, string | undefined>>;

export type ConfigSpec = Record<string, Setting<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig<S extends ConfigSpec>(spec: S, env: Env): ConfigOf<S> {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(spec)) {
    const raw = env[setting.env];
    try {
      config[key] = setting.parse(raw === '' ? undefined : raw, env);
    } catch (error) {
      problems.push(
        `${setting.env}: ${(error as Error).message}${raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`}`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as ConfigOf<S>;
}

function setting<T>(
  env: string,
  description: string,
  fallback: T | undefined,
  convert: (raw: string) => T,
): Setting<T> {
  return {
    env,
    description,
    defaultText: fallback === undefined ? undefined : Array.isArray(fallback) ? fallback.join(',') : String(fallback),
    parse(raw) {
      if (raw === undefined) {
        if (fallback === undefined) throw new Error('is required');
        return fallback;
      }
      return convert(raw);
    },
  };
}

export function str(env: string, description: string, fallback?: string): Setting<string> {
  return setting(env, description, fallback, (raw) => raw);
}

/** A setting that may be absent: its value is undefined then. */
export function optional(env: string, description: string): Setting<string | undefined> {
  return { env, description, defaultText: '(unset)', parse: (raw) => raw };
}

/**
 * A file's contents, read at startup (a mounted Kubernetes Secret, a CA bundle): the variable holds
 * the path, so the secret itself never sits in the environment. Unset means undefined.
 */
export function fileContents(env: string, description: string): Setting<string | undefined> {
  return {
    env,
    description,
    defaultText: '(unset)',
    parse(raw) {
      if (raw === undefined) return undefined;
      try {
        return readFileSync(raw, 'utf8');
      } catch (error) {
        throw new Error(`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    },
  };
}

/** `setting`, but required whenever `when(env)` names a reason (e.g. another variable's value). */
export function requiredWhen<T>(
  setting: Setting<T | undefined>,
  when: (env: Env) => string | undefined,
): Setting<T | undefined> {
  return {
    ...setting,
    parse(raw, env) {
      const reason = raw === undefined ? when(env) : undefined;
      if (reason) throw new Error(`is required ${reason}`);
      return setting.parse(raw, env);
    },
  };
}

export function int(env: string, description: string, fallback: number, range: { min?: number; max?: number } = {}) {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  return setting(env, description, fallback, (raw) => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) throw new Error('must be an integer');
    if (value < min || value > max) throw new Error(`must be between ${min} and ${max}`);
    return value;
  });
}

export function oneOf<const T extends string>(env: string, description: string, values: readonly T[], fallback: T) {
  return setting<T>(env, `${description} (${values.join(' | ')})`, fallback, (raw) => {
    if (!values.includes(raw as T)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as T;
  });
}

export function list(env: string, description: string, fallback: string[]): Setting<string[]> {
  return setting(env, description, fallback, (raw) => {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) throw new Error('must be a comma-separated list with at least one entry');
    return items;
  });
}

export function bool(env: string, description: string, fallback: boolean): Setting<boolean> {
  return setting(env, description, fallback, (raw) => {
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    throw new Error('must be true or false');
  });
}
