import { runService } from '@ecom/kit';
import { paymentService } from './service.js';

runService(paymentService);
