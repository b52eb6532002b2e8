import type { NotificationSent } from '@ecom/schemas';
import type { Logger } from 'pino';

/** A notification on its way out: what NotificationSent will say, minus the channel. */
export type OutgoingNotification = Omit<NotificationSent, 'channel'> & { sourceEventType: string };

/** What NotificationSent says about a notification sent through `channel`. */
export function sentEvent(n: OutgoingNotification, channel: NotificationSent['channel']): NotificationSent {
  return {
    notificationId: n.notificationId,
    customerId: n.customerId,
    orderId: n.orderId,
    channel,
    template: n.template,
    message: n.message,
    sourceEventId: n.sourceEventId,
  };
}

/**
 * Delivers a notification to the customer through one channel. `send` resolves once the channel
 * accepted it and throws otherwise: the kit's effect runner then calls again with the same key.
 */
export interface NotificationSender {
  readonly channel: NotificationSent['channel'];
  /**
   * True for a channel inside this process that cannot fail (the log): nothing outside can refuse
   * or repeat it, so the handler stores the notification SENT and announces it in its own
   * transaction, and sends it once that commits. False for an external system (the webhook):
   * its send is an effect, performed after commit with retries and recorded in a transaction of
   * its own (effects.ts).
   */
  readonly local: boolean;
  send(notification: OutgoingNotification): Promise<void>;
}

/** The default channel: the notification is a structured log line (local runs, tests, demos). */
export class LoggingSender implements NotificationSender {
  readonly channel = 'LOG' as const;
  readonly local = true;

  constructor(private readonly log: Logger) {}

  async send(notification: OutgoingNotification): Promise<void> {
    this.log.info({ notification }, `notify ${notification.customerId}: ${notification.message}`);
  }
}

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

/**
 * POSTs the notification as JSON. The `Idempotency-Key` header is the source event's id: a send
 * is at-least-once (see effects.ts), so a receiver that honours it shows the customer one message.
 */
export class WebhookSender implements NotificationSender {
  readonly channel = 'WEBHOOK' as const;
  readonly local = false;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async send(notification: OutgoingNotification): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': notification.sourceEventId },
        body: JSON.stringify({ ...notification, channel: this.channel }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `timed out after ${this.timeoutMs} ms` : String(error);
      throw new WebhookError(
        `webhook POST ${this.url} for notification ${notification.notificationId} failed: ${reason}`,
        this.url,
      );
    }
    // Drain the body so the connection can be reused; its content does not matter.
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      throw new WebhookError(
        `webhook POST ${this.url} for notification ${notification.notificationId} answered ${response.status}: ${text.slice(0, 200)}`,
        this.url,
        response.status,
      );
    }
  }
}

interface SenderConfig {
  webhookUrl: string | undefined;
  webhookTimeoutMs: number;
}

/** The webhook when a URL is configured, else the log. */
export function createSender(config: SenderConfig, log: Logger): NotificationSender {
  return config.webhookUrl ? new WebhookSender(config.webhookUrl, config.webhookTimeoutMs) : new LoggingSender(log);
}
