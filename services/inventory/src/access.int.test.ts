import { describeAccessTable } from '@ecom/kit/testing';
import { inventoryService } from './service.js';

describeAccessTable(inventoryService);
