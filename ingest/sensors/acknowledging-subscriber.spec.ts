// The PUBACKs the subscriber writes by hand must be exactly what an MQTT library produces for both protocol
// versions, or a broker would drop the connection (or, worse, never release the acknowledged messages).
import { describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { pubackPackets } from './acknowledging-subscriber.ts';

describe('pubackPackets', () => {
  const messageIds = [1, 2, 255, 256, 258, 40_000, 65_535];

  for (const protocolVersion of [4, 5] as const) {
    it(`writes the PUBACKs mqtt-packet generates for MQTT ${protocolVersion === 4 ? '3.1.1' : '5'}, back to back`, () => {
      const expected = Buffer.concat(messageIds.map((messageId) => mqttPacket.generate({ cmd: 'puback', messageId, reasonCode: 0 }, { protocolVersion })));
      expect(pubackPackets(messageIds).equals(expected)).toBe(true);
    });

    it(`is read back by a broker-side parser as successful PUBACKs of those ids (MQTT ${protocolVersion})`, () => {
      const parsed: { cmd: string; messageId?: number; reasonCode?: number }[] = [];
      const parser = mqttPacket.parser({ protocolVersion });
      parser.on('packet', (packet) => parsed.push(packet as never));
      parser.parse(pubackPackets(messageIds));
      expect(parsed.map((packet) => packet.cmd)).toEqual(messageIds.map(() => 'puback'));
      expect(parsed.map((packet) => packet.messageId)).toEqual(messageIds);
      expect(parsed.every((packet) => (packet.reasonCode ?? 0) === 0)).toBe(true);
    });
  }
});
