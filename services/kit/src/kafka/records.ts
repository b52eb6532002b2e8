/** A record to publish, independent of the Kafka client library. */
export interface OutgoingRecord {
  topic: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** A fetched record, independent of the Kafka client library. Header values are decoded as UTF-8. */
export interface IncomingRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Broker or producer timestamp, epoch milliseconds as a string. */
  timestamp: string;
}
