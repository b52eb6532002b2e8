import { runService } from '@ecom/kit';
import { orderService } from './service.js';

runService(orderService);
