// The @platformatic/kafka side of the client comparison (clients.ts): the same work as the kit's
// kafkajs producer and group consumer, written with that client. Benchmark only: the kit itself
// imports kafkajs alone (services/kit/src/kafka/client.ts). @platformatic/kafka needs Node >= 22.22
// or >= 24.6, so this file runs in a child process under such a Node (client-work.ts).

import type { Compression, OutgoingRecord } from '@ecom/kit';
import {
  Consumer,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializer,
  stringSerializer,
} from '@platformatic/kafka';

/** Publishes `records` in batches of `batchSize` with an idempotent acks=all producer, each batch awaited. */
export async function platformaticProduce(
  brokers: string[],
  records: OutgoingRecord[],
  batchSize: number,
  compression: Compression,
): Promise<void> {
  const producer = new Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    compression,
    autocreateTopics: false,
    serializers: {
      key: stringSerializer,
      value: (value?: Buffer) => value,
      headerKey: stringSerializer,
      headerValue: stringSerializer,
    },
  });
  try {
    for (let i = 0; i < records.length; i += batchSize) {
      await producer.send({
        messages: records.slice(i, i + batchSize).map((r) => ({
          topic: r.topic,
          key: r.key ?? undefined,
          value: r.value,
          headers: new Map(Object.entries(r.headers)),
        })),
      });
    }
  } finally {
    await producer.close();
  }
}

/**
 * Reads `topic` as a new member of `groupId` from the start until `expected` records arrived, with
 * headers decoded to strings as the kit's consumer does, committing on a 100 ms interval.
 */
export async function platformaticConsume(
  brokers: string[],
  topic: string,
  groupId: string,
  expected: number,
  /** Called as each record arrives. */
  arrived: () => void,
): Promise<void> {
  const consumer = new Consumer({
    clientId: 'bench-platformatic',
    groupId,
    bootstrapBrokers: brokers,
    maxWaitTime: 500,
    deserializers: {
      key: (data?: Buffer) => data,
      value: (data?: Buffer) => data,
      headerKey: stringDeserializer,
      headerValue: stringDeserializer,
    },
  });
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      autocommit: 100,
    });
    // 'data' events, the cheapest of the stream's interfaces (an async iterator costs more per record).
    await new Promise<void>((resolve, reject) => {
      let count = 0;
      let bytes = 0;
      stream.on('error', reject);
      stream.on('data', (message) => {
        // Touch what a handler reads, so neither client gets away with lazy decoding.
        bytes += (message.value?.length ?? 0) + (message.headers.get('ce_type')?.length ?? 0);
        arrived();
        if (++count === expected) {
          if (bytes === 0) reject(new Error('read no bytes'));
          else resolve();
        }
      });
    });
    await stream.close();
  } finally {
    await consumer.close(true);
  }
}
