// Fires `fire(n)` at a steady `rate` per second for `seconds`, on schedule rather than one after
// another: when the event loop falls behind, the calls that are due go out together, so a slow
// consumer shows up as latency, not as a lower rate. Used by the alerts bench's producer and its bare
// socket.io server alike, so both offer the same load.
const now = () => performance.timeOrigin + performance.now();

export async function paced(rate: number, seconds: number, fire: (n: number) => void): Promise<{ count: number; startedAt: number; seconds: number }> {
  const count = Math.round(rate * seconds);
  const start = now();
  for (let n = 0; n < count; n++) {
    const wait = start + (n * 1000) / rate - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    fire(n);
  }
  return { count, startedAt: start, seconds: (now() - start) / 1000 };
}
