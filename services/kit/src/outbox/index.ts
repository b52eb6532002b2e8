export { OutboxRelay, type RelayOptions } from './relay.js';
export { insertOutbox, outboxBacklog, readOutbox } from './store.js';
export { type Emit, EventWriter, PendingEvents } from './writer.js';
