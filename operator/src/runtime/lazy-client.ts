export interface LazyClient<T> {
  /** The client, opened on the first call; a failed open is tried again on the next call. */
  get(): Promise<T>;
  close(): Promise<void>;
}

/**
 * A client (a Kafka connection) opened on first use and re-opened after a failed open, so the
 * operator starts, and says what is wrong through status and retries, while the other end is down.
 */
export function lazyClient<T extends { close(): Promise<void> }>(
  open: () => Promise<T>,
  describe: string,
): LazyClient<T> {
  let opening: Promise<T> | undefined;
  return {
    get() {
      opening ??= open().catch((error: unknown) => {
        opening = undefined;
        throw new Error(`cannot connect to ${describe}: ${(error as Error).message}`, { cause: error });
      });
      return opening;
    },
    async close() {
      const client = await opening?.catch(() => undefined);
      opening = undefined;
      await client?.close();
    },
  };
}
