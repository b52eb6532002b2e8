import { runService } from '@ecom/kit';
import { notificationService } from './service.js';

runService(notificationService);
