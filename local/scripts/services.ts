// The services' definitions, for what runs or inspects them in this process (these scripts and
// test/support). Here rather than in local/src: the @ecom/local package builds without the
// services and the stack finds them on disk (src/services.ts).
import { analyticsService } from '../../services/analytics/src/service.js';
import { inventoryService } from '../../services/inventory/src/service.js';
import { notificationService } from '../../services/notification/src/service.js';
import { orderService } from '../../services/order/src/service.js';
import { paymentService } from '../../services/payment/src/service.js';
import { shippingService } from '../../services/shipping/src/service.js';

export const SERVICES = [
  orderService,
  paymentService,
  inventoryService,
  shippingService,
  notificationService,
  analyticsService,
] as const;
