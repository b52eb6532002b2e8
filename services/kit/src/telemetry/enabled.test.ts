import { describe, expect, it } from 'vitest';
import { serviceNameFromMain, tracingConfigured } from './enabled.js';

describe('tracingConfigured', () => {
  it('is off without an OTLP endpoint, whatever else is set', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_SERVICE_NAME: 'order', OTEL_TRACES_SAMPLER: 'always_on' })).toBe(false);
  });

  it('is on with the general or the traces endpoint', () => {
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
  });

  it('stays off when the SDK or the traces exporter is disabled', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingConfigured({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracingConfigured({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingConfigured({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toBe(true);
  });
});

describe('serviceNameFromMain', () => {
  it('takes the service folder of a source or built main module', () => {
    expect(serviceNameFromMain('/app/services/payment/dist/main.js')).toBe('payment');
    expect(serviceNameFromMain('/work/main/services/order/src/main.ts')).toBe('order');
    expect(serviceNameFromMain('/app/operator/dist/main.js')).toBeUndefined();
    expect(serviceNameFromMain(undefined)).toBeUndefined();
  });
});
