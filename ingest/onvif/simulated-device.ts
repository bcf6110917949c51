// A minimal ONVIF Profile S device for tests and the simulator: the SOAP calls CityOps uses (device
// time, capabilities, device information, media profiles, video sources, stream URI) over HTTP, with
// WS-Security UsernameToken digest checked when credentials are set, and a WS-Discovery responder
// (UDP 3702, multicast 239.255.255.250) answering Probe with the device's address. Real cameras answer
// far more; this covers what the client sends, so the client is tested against real XML on the wire.
import { createHash, randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import type net from 'node:net';
import type { Component } from '@cityops/core/lifecycle';

export interface SimulatedProfile {
  token: string;
  name: string;
  width: number;
  height: number;
  fps: number;
  encoding: 'H264' | 'H265';
  rtspUrl: string;
}

export interface SimulatedOnvifDeviceOptions {
  name: string;
  profiles: SimulatedProfile[];
  credentials?: { username: string; password: string };
  /** Answer WS-Discovery probes (binds UDP 3702, shared with other listeners). */
  discovery?: boolean;
  /** The discovery reply's Scopes text as sent (tests of malformed replies); default: type, name, hardware, location. */
  scopes?: string;
}

const DISCOVERY_ADDRESS = '239.255.255.250';
const DISCOVERY_PORT = 3702;

const envelope = (body: string) =>
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" ' +
  'xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema" ' +
  'xmlns:ter="http://www.onvif.org/ver10/error">' +
  `<s:Body>${body}</s:Body></s:Envelope>`;

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);

export class SimulatedOnvifDevice implements Component {
  readonly name = 'simulated-onvif-device';
  readonly urn = `urn:uuid:${randomUUID()}`;
  private server?: http.Server;
  private discovery?: dgram.Socket;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly options: SimulatedOnvifDeviceOptions) {}

  get port(): number {
    return (this.server?.address() as net.AddressInfo | undefined)?.port ?? 0;
  }

  get deviceServiceUrl(): string {
    return `http://127.0.0.1:${this.port}/onvif/device_service`;
  }

  async start(): Promise<void> {
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const { status, xml } = this.answer(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8' }).end(xml);
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    if (this.options.discovery) await this.startDiscovery();
  }

  async stop(): Promise<void> {
    this.discovery?.close();
    this.discovery = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  private answer(request: string): { status: number; xml: string } {
    const action = /<(?:\w+:)?(Get\w+)[\s/>]/.exec(request.replace(/<(?:\w+:)?(Envelope|Header|Body|Security|UsernameToken)[^>]*>/g, ''))?.[1];
    // GetSystemDateAndTime is allowed without credentials (ONVIF Core §5.9.4.4): clients need the
    // device clock before they can compute the WS-Security digest.
    if (action !== 'GetSystemDateAndTime' && this.options.credentials && !this.authorised(request)) {
      return { status: 400, xml: fault('ter:NotAuthorized', 'Sender not Authorized') };
    }
    const base = `http://127.0.0.1:${this.port}/onvif`;
    switch (action) {
      case 'GetSystemDateAndTime': {
        const now = new Date();
        return ok(
          '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>' +
            '<tt:DaylightSavings>false</tt:DaylightSavings><tt:UTCDateTime>' +
            `<tt:Time><tt:Hour>${now.getUTCHours()}</tt:Hour><tt:Minute>${now.getUTCMinutes()}</tt:Minute><tt:Second>${now.getUTCSeconds()}</tt:Second></tt:Time>` +
            `<tt:Date><tt:Year>${now.getUTCFullYear()}</tt:Year><tt:Month>${now.getUTCMonth() + 1}</tt:Month><tt:Day>${now.getUTCDate()}</tt:Day></tt:Date>` +
            '</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>',
        );
      }
      case 'GetCapabilities':
        return ok(
          '<tds:GetCapabilitiesResponse><tds:Capabilities>' +
            `<tt:Device><tt:XAddr>${base}/device_service</tt:XAddr></tt:Device>` +
            `<tt:Media><tt:XAddr>${base}/media_service</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
            '<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>' +
            '</tds:Capabilities></tds:GetCapabilitiesResponse>',
        );
      case 'GetDeviceInformation':
        return ok(
          '<tds:GetDeviceInformationResponse><tds:Manufacturer>CityOps</tds:Manufacturer>' +
            `<tds:Model>${escapeXml(this.options.name)}</tds:Model><tds:FirmwareVersion>1.0</tds:FirmwareVersion>` +
            '<tds:SerialNumber>SIM-0001</tds:SerialNumber><tds:HardwareId>cityops-sim</tds:HardwareId></tds:GetDeviceInformationResponse>',
        );
      case 'GetVideoSources':
        return ok(
          '<trt:GetVideoSourcesResponse><trt:VideoSources token="video-source-1"><tt:Framerate>15</tt:Framerate>' +
            '<tt:Resolution><tt:Width>640</tt:Width><tt:Height>360</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>',
        );
      case 'GetProfiles':
        return ok(`<trt:GetProfilesResponse>${this.options.profiles.map(profileXml).join('')}</trt:GetProfilesResponse>`);
      case 'GetStreamUri': {
        const token = /<(?:\w+:)?ProfileToken>([^<]+)</.exec(request)?.[1];
        const profile = this.options.profiles.find((candidate) => candidate.token === token);
        if (!profile) return { status: 400, xml: fault('ter:InvalidArgVal', 'No such profile') };
        return ok(
          `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${escapeXml(profile.rtspUrl)}</tt:Uri>` +
            '<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>' +
            '<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>',
        );
      }
      default:
        return { status: 400, xml: fault('ter:ActionNotSupported', `${action ?? 'this action'} is not simulated`) };
    }
  }

  /** WS-Security UsernameToken: Password = Base64(SHA-1(nonce + created + password)). */
  private authorised(request: string): boolean {
    const { username, password } = this.options.credentials!;
    const given = /<(?:\w+:)?Username>([^<]*)</.exec(request)?.[1];
    const digest = /<(?:\w+:)?Password[^>]*>([^<]*)</.exec(request)?.[1];
    const nonce = /<(?:\w+:)?Nonce[^>]*>([^<]*)</.exec(request)?.[1];
    const created = /<(?:\w+:)?Created[^>]*>([^<]*)</.exec(request)?.[1];
    if (given !== username || !digest || !nonce || !created) return false;
    const expected = createHash('sha1').update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created + password, 'utf8')])).digest('base64');
    return expected === digest;
  }

  private async startDiscovery(): Promise<void> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(DISCOVERY_PORT, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.addMembership(DISCOVERY_ADDRESS);
    socket.on('error', () => {});
    socket.on('message', (message, remote) => {
      const text = message.toString('utf8');
      if (!/<(?:\w+:)?Probe[\s>]/.test(text)) return;
      const relatesTo = /<(?:\w+:)?MessageID[^>]*>([^<]+)</.exec(text)?.[1] ?? '';
      const reply =
        '<?xml version="1.0" encoding="UTF-8"?>' +
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
        'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><SOAP-ENV:Header>' +
        `<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID><wsa:RelatesTo>${escapeXml(relatesTo)}</wsa:RelatesTo>` +
        '<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
        '<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header>' +
        `<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference><wsa:Address>${this.urn}</wsa:Address></wsa:EndpointReference>` +
        '<d:Types>dn:NetworkVideoTransmitter</d:Types>' +
        `<d:Scopes>${this.options.scopes ?? `onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/${encodeURIComponent(this.options.name)} onvif://www.onvif.org/hardware/CityOpsSimulator onvif://www.onvif.org/location/city/HoChiMinh`}</d:Scopes>` +
        `<d:XAddrs>${this.deviceServiceUrl}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
      socket.send(reply, remote.port, remote.address);
    });
    this.discovery = socket;
  }
}

const ok = (body: string) => ({ status: 200, xml: envelope(body) });

function fault(subcode: string, reason: string): string {
  return envelope(
    `<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${escapeXml(reason)}</s:Text></s:Reason></s:Fault>`,
  );
}

function profileXml(profile: SimulatedProfile): string {
  return (
    `<trt:Profiles token="${escapeXml(profile.token)}" fixed="true"><tt:Name>${escapeXml(profile.name)}</tt:Name>` +
    '<tt:VideoSourceConfiguration token="video-source-config-1"><tt:Name>video source</tt:Name><tt:UseCount>1</tt:UseCount>' +
    `<tt:SourceToken>video-source-1</tt:SourceToken><tt:Bounds x="0" y="0" width="${profile.width}" height="${profile.height}"/></tt:VideoSourceConfiguration>` +
    `<tt:VideoEncoderConfiguration token="encoder-${escapeXml(profile.token)}"><tt:Name>encoder</tt:Name><tt:UseCount>1</tt:UseCount>` +
    `<tt:Encoding>${profile.encoding}</tt:Encoding><tt:Resolution><tt:Width>${profile.width}</tt:Width><tt:Height>${profile.height}</tt:Height></tt:Resolution>` +
    `<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>${profile.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
    '<tt:BitrateLimit>1024</tt:BitrateLimit></tt:RateControl></tt:VideoEncoderConfiguration></trt:Profiles>'
  );
}
