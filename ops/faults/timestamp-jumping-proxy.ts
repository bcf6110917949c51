// A camera whose RTP timestamps jump backwards and wrap, made from a well-behaved one: a TCP proxy in
// front of the camera simulator's RTSP server that passes RTSP through and rewrites the timestamp of
// every interleaved RTP packet (RFC 2326 §10.12: '$', channel, 16-bit length, packet). Timestamps start
// a few seconds below 2^32 (so they wrap soon) and jump back by JUMP_BACK_SECONDS every
// JUMP_EVERY_SECONDS, as cheap IP cameras do after a reboot of their encoder or at a counter wrap.
// (The simulator keeps timestamps continuous on purpose, and ffmpeg's own -stream_loop keeps them
// monotonic, so neither alone can produce this camera.)
import net from 'node:net';

const VIDEO_CLOCK_HZ = 90_000;
const JUMP_EVERY_SECONDS = 8;
const JUMP_BACK_SECONDS = 20;
const START_BELOW_WRAP_SECONDS = 4;

export class TimestampJumpingProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  jumps = 0;
  wraps = 0;

  constructor(private readonly upstreamPort: number) {}

  get port(): number {
    return (this.server!.address() as net.AddressInfo).port;
  }

  async start(): Promise<void> {
    this.server = net.createServer((client) => this.relay(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private relay(client: net.Socket): void {
    const upstream = net.connect({ host: '127.0.0.1', port: this.upstreamPort });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    let pending = Buffer.alloc(0);
    let offset: number | undefined;
    let firstAt = 0;
    let lastJumpAt = 0;
    let lastOut = 0;
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      for (;;) {
        if (pending.length === 0) break;
        if (pending[0] === 0x24) {
          if (pending.length < 4) break;
          const length = pending.readUInt16BE(2);
          if (pending.length < 4 + length) break;
          const frame = Buffer.from(pending.subarray(0, 4 + length));
          pending = pending.subarray(4 + length);
          if (frame[1] % 2 === 0 && length >= 12) {
            const now = Date.now();
            const inTs = frame.readUInt32BE(8);
            if (offset === undefined) {
              offset = 2 ** 32 - START_BELOW_WRAP_SECONDS * VIDEO_CLOCK_HZ - inTs;
              firstAt = lastJumpAt = now;
            } else if (now - lastJumpAt >= JUMP_EVERY_SECONDS * 1000 && now - firstAt > 1000) {
              offset -= JUMP_BACK_SECONDS * VIDEO_CLOCK_HZ;
              lastJumpAt = now;
              this.jumps++;
            }
            const outTs = (inTs + offset) >>> 0;
            if (outTs < lastOut && lastOut - outTs > 2 ** 31) this.wraps++;
            lastOut = outTs;
            frame.writeUInt32BE(outTs, 8);
          }
          out.push(frame);
          continue;
        }
        // RTSP text: headers up to a blank line, then Content-Length bytes of body.
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) break;
        const headers = pending.subarray(0, end).toString('latin1');
        const bodyLength = Number(/content-length:\s*(\d+)/i.exec(headers)?.[1] ?? 0);
        if (pending.length < end + 4 + bodyLength) break;
        out.push(Buffer.from(pending.subarray(0, end + 4 + bodyLength)));
        pending = pending.subarray(end + 4 + bodyLength);
      }
      if (out.length) client.write(Buffer.concat(out));
    });
  }
}
