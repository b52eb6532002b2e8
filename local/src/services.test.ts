import { describe, expect, it } from 'vitest';
import { serviceProcesses } from './services.js';

const stack = { kafkaBrokers: 'localhost:9092', databaseUrl: 'postgres://db', auth: {} };

describe('serviceProcesses', () => {
  it('caps the young generation, and lets the caller’s NODE_OPTIONS (coming after) override it', () => {
    const saved = process.env.NODE_OPTIONS;
    try {
      delete process.env.NODE_OPTIONS;
      expect(serviceProcesses(['order'], stack)[0]?.env.NODE_OPTIONS).toBe('--max-semi-space-size=16');
      process.env.NODE_OPTIONS = '--cpu-prof --max-semi-space-size=32';
      expect(serviceProcesses(['order'], stack)[0]?.env.NODE_OPTIONS).toBe(
        '--max-semi-space-size=16 --cpu-prof --max-semi-space-size=32',
      );
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
  });
});
