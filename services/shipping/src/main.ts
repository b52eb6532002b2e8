import { runService } from '@ecom/kit';
import { shippingService } from './service.js';

runService(shippingService);
