/**
 * Bounds what the Lambda holds for one object while SNS and S3 catch up with the scan: the
 * publisher and the alert archive report bytes queued and sent, and the object's byte stream
 * waits before its next chunk while more than `maxQueuedBytes` are queued. onAlert cannot wait
 * (the scan calls it synchronously), so the wait happens where the bytes come in.
 */
export class Backpressure {
  private queued = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly maxQueuedBytes: number) {}

  queue(bytes: number): void {
    this.queued += bytes;
  }

  sent(bytes: number): void {
    this.queued = Math.max(0, this.queued - bytes);
    if (this.queued <= this.maxQueuedBytes) this.release();
  }

  /** Resolves at once unless too much is queued. */
  wait(): Promise<void> | undefined {
    if (this.queued <= this.maxQueuedBytes) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Lets every waiter go (the sending ended, successfully or not). */
  release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}

/** The object's chunks, each one only once the queue is below the bound. */
export async function* gated(
  body: AsyncIterable<Uint8Array>,
  pressure: Backpressure,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    const w = pressure.wait();
    if (w !== undefined) await w;
    yield chunk;
  }
}
