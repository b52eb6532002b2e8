// The services' own definitions, so tests derive consumer groups and topics instead of restating them.
import { analyticsService } from '../../services/analytics/src/service.js';
import { inventoryService } from '../../services/inventory/src/service.js';
import { notificationService } from '../../services/notification/src/service.js';
import { orderService } from '../../services/order/src/service.js';
import { paymentService } from '../../services/payment/src/service.js';
import { shippingService } from '../../services/shipping/src/service.js';

const services = [
  orderService,
  paymentService,
  inventoryService,
  shippingService,
  notificationService,
  analyticsService,
];
const definitions = services.map(({ name, consumer }) => ({ name, topics: consumer?.topics }));

/** Each service's database schema (its name unless its definition names another). */
export const DATABASE_SCHEMAS: string[] = services.map(({ name, schema }) => schema ?? name);

/** Consumer group (the service name, as the kit names it) → the topics it consumes. */
export const CONSUMER_GROUPS: Record<string, string[]> = Object.fromEntries(
  definitions.flatMap(({ name, topics }) => (topics ? [[name, topics]] : [])),
);

export function groupsConsuming(topic: string): string[] {
  return Object.keys(CONSUMER_GROUPS)
    .filter((group) => CONSUMER_GROUPS[group]?.includes(topic))
    .sort();
}
