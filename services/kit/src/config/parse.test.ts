import { describe, expect, it } from 'vitest';
import { baseSettings } from './base.js';
import { bool, ConfigError, int, list, oneOf, parseConfig, str } from './parse.js';

describe('parseConfig', () => {
  const spec = {
    name: str('NAME', 'a name'),
    port: int('PORT', 'a port', 3000, { min: 1, max: 65535 }),
    brokers: list('BROKERS', 'brokers', ['a:1']),
    mode: oneOf('MODE', 'mode', ['direct', 'strimzi'], 'direct'),
    on: bool('ON', 'flag', false),
  };

  it('applies defaults and converts types', () => {
    expect(parseConfig(spec, { NAME: 'x', BROKERS: 'h1:9092, h2:9092', ON: 'true' })).toEqual({
      name: 'x',
      port: 3000,
      brokers: ['h1:9092', 'h2:9092'],
      mode: 'direct',
      on: true,
    });
  });

  it('names every bad variable at once, with what is wrong and what it got', () => {
    try {
      parseConfig(spec, { PORT: '70000', MODE: 'other', ON: 'maybe', BROKERS: ' , ' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const { problems } = error as ConfigError;
      expect(problems).toEqual([
        'NAME: is required',
        'PORT: must be between 1 and 65535 (got "70000")',
        'BROKERS: must be a comma-separated list with at least one entry (got " , ")',
        'MODE: must be one of direct, strimzi (got "other")',
        'ON: must be true or false (got "maybe")',
      ]);
    }
  });

  it('rejects a non-integer', () => {
    expect(() => parseConfig({ port: spec.port }, { PORT: '30x' })).toThrow(/PORT: must be an integer/);
  });

  it('parses the shared service settings from an environment that only turns auth off', () => {
    // An empty one is refused: API auth is on by default and needs an issuer (http/auth/auth.test.ts).
    expect(() => parseConfig(baseSettings(3001), {})).toThrow(/AUTH_ISSUER: is required/);
    const config = parseConfig(baseSettings(3001), { AUTH_MODE: 'off' });
    expect(config.port).toBe(3001);
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:19092']);
    expect(config.databaseUrl).toBeUndefined();
  });
});
