import { runService } from '@ecom/kit';
import { inventoryService } from './service.js';

runService(inventoryService);
