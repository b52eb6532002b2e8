import { type BaseConfig, baseSettings, type ConfigOf, int, type ServiceDefinition, type Setting } from '@ecom/kit';
import { notificationEffects } from './effects.js';
import { notificationHandlers } from './handlers.js';
import { notificationAccess } from './routes/access.js';
import { notificationRoutes } from './routes/notifications.js';
import { createSender } from './senders.js';

/** An optional absolute http(s) URL: a typo fails the start instead of every send. */
function optionalUrl(env: string, description: string): Setting<string | undefined> {
  return {
    env,
    description,
    defaultText: '(unset)',
    parse(raw) {
      if (raw === undefined) return undefined;
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new Error('must be an absolute URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('must be an http or https URL');
      return raw;
    },
  };
}

export const settings = {
  ...baseSettings(3005),
  // The kit's PORT has min 1, but tests start services on PORT=0 (any free port); same variable.
  port: int('PORT', 'HTTP port; 0 picks a free one', 3005, { min: 0, max: 65535 }),
  webhookUrl: optionalUrl(
    'NOTIFICATION_WEBHOOK_URL',
    'Notifications are POSTed as JSON to this URL; unset means they are only logged',
  ),
  webhookTimeoutMs: int('NOTIFICATION_WEBHOOK_TIMEOUT_MS', 'How long one webhook POST may take', 5000, {
    min: 100,
    max: 60_000,
  }),
};

export type NotificationConfig = ConfigOf<typeof settings> & BaseConfig;

/** The notification service: one notification per customer-facing event, and the list of them. */
export const notificationService: ServiceDefinition<typeof settings> = {
  name: 'notification',
  version: '0.1.0',
  settings,
  schema: 'notification',
  migrations: new URL('../migrations/', import.meta.url),
  access: notificationAccess,
  produces: ['ecom.notification.sent.v1'],
  consumer: {
    topics: ['ecom.orders', 'ecom.payments', 'ecom.shipments'],
    handlers: (deps) => notificationHandlers(createSender(deps.config, deps.logger)),
  },
  // Only external channels schedule sends; the effect stays registered for every channel, so
  // sends a previous version scheduled for the log are still performed.
  effects: (deps) => notificationEffects(createSender(deps.config, deps.logger)),
  routes: async (app, deps) => {
    await app.register(notificationRoutes, { deps });
  },
};
