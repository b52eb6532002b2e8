import { runService } from '@ecom/kit';
import { analyticsService } from './service.js';

runService(analyticsService);
