export {
  type DecodeErrorClass,
  EventCodec,
  EventDecodeError,
  EventSchemaError,
  UndeclaredEventError,
} from './codec.js';
export { causedBy, createEvent, type Event, type EventContext } from './event.js';
export { childTraceparent, traceIdOf } from './trace.js';
