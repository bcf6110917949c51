// Refuses oversized MQTT packets on the embedded broker as Mosquitto's max_packet_size does: aedes has no
// limit and buffers a whole packet before looking at it, so one device could make it hold hundreds of MB.
// This reads only the fixed headers (type byte + "remaining length", MQTT 3.1.1 §2.2.3) of the bytes
// aedes also receives, and closes the connection as soon as a header announces more than the limit —
// before the body arrives.
import type { Socket } from 'node:net';

export function guardPacketSize(socket: Socket, maxPacketBytes: number, onTooLarge: (announcedBytes: number) => void): void {
  let bodyLeft = 0; // bytes of the current packet's body still to come
  let headerBytes = 0; // bytes of the current fixed header read so far
  let length = 0;
  let multiplier = 1;
  socket.on('data', (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length && !socket.destroyed) {
      if (bodyLeft > 0) {
        const skipped = Math.min(bodyLeft, chunk.length - offset);
        bodyLeft -= skipped;
        offset += skipped;
        continue;
      }
      const byte = chunk[offset++];
      headerBytes++;
      if (headerBytes === 1) continue; // packet type and flags
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if (byte & 0x80 && headerBytes < 5) continue; // the length goes on (at most 4 bytes)
      if (length > maxPacketBytes || byte & 0x80) {
        onTooLarge(length);
        socket.destroy();
        return;
      }
      bodyLeft = length;
      headerBytes = 0;
      length = 0;
      multiplier = 1;
    }
  });
}
