// The highest count a zone held for a rule's whole wait (`seconds`) during one situation: the highest
// threshold at which the rule would still have fired. Stored on the alert, it lets engineers see what a
// threshold change would have done to past alerts (dashboard/server/alerts/proposals.ts).

export class SustainedCount {
  // Samples of the last `windowMs`, counts increasing from the front: the front is the window's minimum.
  private readonly window: Array<{ timestampMs: number; count: number }> = [];
  private firstMs = Number.NaN;
  private peak = 0;

  constructor(private readonly windowMs: number) {}

  add(timestampMs: number, count: number): void {
    if (Number.isNaN(this.firstMs)) this.firstMs = timestampMs;
    while (this.window.length && this.window[this.window.length - 1].count >= count) this.window.pop();
    this.window.push({ timestampMs, count });
    while (this.window[0].timestampMs < timestampMs - this.windowMs) this.window.shift();
    // Only once a whole wait has been seen: a short burst is not what fired the rule.
    if (timestampMs - this.firstMs >= this.windowMs) this.peak = Math.max(this.peak, this.window[0].count);
  }

  /** The highest minimum over any full wait since the last reset. */
  get value(): number {
    return this.peak;
  }

  /** A new situation: nothing seen yet. */
  reset(): void {
    this.window.length = 0;
    this.firstMs = Number.NaN;
    this.peak = 0;
  }
}
