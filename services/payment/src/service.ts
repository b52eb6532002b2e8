import { type BaseConfig, baseSettings, type ConfigOf, int, type ServiceDefinition } from '@ecom/kit';
import { fractionSetting, moneySetting } from './config.js';
import { paymentEffects } from './effects.js';
import type { PaymentGateway } from './gateway/gateway.js';
import { SimulatedGateway } from './gateway/simulated.js';
import { paymentHandlers } from './handlers.js';
import { paymentAccess } from './routes/access.js';
import { paymentRoutes } from './routes/payments.js';

export const settings = {
  ...baseSettings(3002),
  declineAbove: moneySetting(
    'PAYMENT_DECLINE_ABOVE',
    'The simulated gateway declines charges above this amount',
    '10000.00',
  ),
  simLatencyMs: int('PAYMENT_SIM_LATENCY_MS', 'Latency the simulated gateway adds to every call', 0, {
    min: 0,
    max: 60_000,
  }),
  simTransientFailureRate: fractionSetting(
    'PAYMENT_SIM_TRANSIENT_FAILURE_RATE',
    'Fraction (0..1) of simulated gateway calls that fail transiently (exercises retries)',
    0,
  ),
};

export type PaymentConfig = ConfigOf<typeof settings> & BaseConfig;

/**
 * The payment service: charges orders and refunds cancelled ones through a PaymentGateway (the
 * built-in simulator). Routes and handlers share one gateway per service instance; it is built
 * on first use from the config both receive.
 */
export function createPaymentService(
  makeGateway: (config: PaymentConfig) => PaymentGateway = (config) =>
    new SimulatedGateway({
      declineAbove: config.declineAbove,
      latencyMs: config.simLatencyMs,
      transientFailureRate: config.simTransientFailureRate,
    }),
): ServiceDefinition<typeof settings> {
  const gateways = new WeakMap<object, PaymentGateway>();
  const gatewayFor = (config: PaymentConfig): PaymentGateway => {
    let gateway = gateways.get(config);
    if (!gateway) {
      gateway = makeGateway(config);
      gateways.set(config, gateway);
    }
    return gateway;
  };
  return {
    name: 'payment',
    version: '0.1.0',
    settings,
    schema: 'payments',
    migrations: new URL('../migrations/', import.meta.url),
    access: paymentAccess,
    produces: ['ecom.payment.processed.v1', 'ecom.payment.refunded.v1'],
    consumer: {
      topics: ['ecom.orders'],
      handlers: () => paymentHandlers(),
    },
    effects: (deps) => paymentEffects(deps, gatewayFor(deps.config)),
    routes: async (app, deps) => {
      await app.register(paymentRoutes, { deps, gateway: gatewayFor(deps.config) });
    },
  };
}

export const paymentService = createPaymentService();
