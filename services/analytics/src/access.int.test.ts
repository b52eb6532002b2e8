import { describeAccessTable } from '@ecom/kit/testing';
import { analyticsService } from './service.js';

describeAccessTable(analyticsService);
