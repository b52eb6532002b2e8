// The Kafka client's tunables and their defaults, apart from client.ts so the settings
// (config/base.ts) can name them without loading kafkajs or the codecs' native modules.
// The defaults come from `npm run bench` on the 2-core machine (figures in ./README.md).

/** The codecs of Kafka's record batches. */
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** What the producers write. Consumers read every codec whatever this is. */
export const DEFAULT_COMPRESSION: Compression = 'lz4';

/** How a consumer's fetch requests wait and how much they bring back. */
export interface FetchTuning {
  /**
   * The broker answers once this much data is there (or maxWaitTimeInMs passed). 1 answers at the
   * first record: anything more delays a lone event by up to maxWaitTimeInMs.
   */
  minBytes: number;
  /**
   * Longest the broker holds a fetch that has less than minBytes. With minBytes 1 it delays no
   * record; it sets how often an idle consumer asks again, and on the connection it shares with
   * the group coordinator (one broker) how long a heartbeat or commit may queue behind a fetch.
   */
  maxWaitTimeInMs: number;
  /** Most bytes one partition returns per fetch: the size of the largest batch handed over. */
  maxBytesPerPartition: number;
  /** Most bytes one fetch returns over all partitions. */
  maxBytes: number;
}

export const DEFAULT_FETCH: FetchTuning = {
  minBytes: 1,
  maxWaitTimeInMs: 500,
  maxBytesPerPartition: 1_048_576,
  maxBytes: 10_485_760,
};

/**
 * How often a consumer commits its offsets: the progress of every partition since the last commit
 * goes out in one OffsetCommit request. 0 commits after every slice. A crash or a rebalance
 * redelivers what was processed since the last commit; the inbox drops those records, so the
 * interval costs some redone reads, never a duplicated effect. The group's committed offsets (and
 * the lag the autoscaler reads from them) trail by up to 1.5 intervals: a quiet partition's last
 * slice waits for the sweep, which runs twice per interval.
 */
export const DEFAULT_COMMIT_INTERVAL_MS = 1_000;
