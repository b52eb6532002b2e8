/**
 * Runs `work` when kicked and on a period, never twice at once: kicks during a run fold into one
 * more run after it. The outbox relay and the effect runner share it. `work` handles its own
 * errors; one that escapes is handed to `onError` and the loop goes on.
 */
export class KickLoop {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly periodMs: number,
    private readonly onError: (error: unknown) => void,
    /** Runs on every period tick as well (metrics refresh, housekeeping). */
    private readonly onTick?: () => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => {
      this.kick();
      this.onTick?.();
    }, this.periodMs);
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.run();
  }

  /**
   * Waits for the run in progress (and any folded follow-up), then runs once more. That run is the
   * loop's own, so a kick meanwhile folds into it rather than starting a second run beside it (two
   * outbox drains would send the same rows, or one would find the relay lock taken and publish nothing).
   */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    await this.run();
  }

  private run(): Promise<void> {
    const run = this.work()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
    this.running = run;
    return run;
  }

  /** No more kicks or ticks; resolves when the run in progress is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.running) await this.running;
  }
}
