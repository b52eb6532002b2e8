import { ConfigError, type ConfigOf, type ConfigSpec, parseConfig } from './parse.js';

/** parseConfig for a process entry point: a bad configuration prints every problem and exits 1. */
export function configOrExit<S extends ConfigSpec>(service: string, spec: S, env = process.env): ConfigOf<S> {
  try {
    return parseConfig(spec, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `${service}: ${error.message}\nFix the variables above (see the README's settings table) and start again.\n`,
    );
    process.exit(1);
  }
}
