// ONVIF, so engineers pick cameras instead of typing RTSP URLs: WS-Discovery finds devices on the local
// network segment (multicast 239.255.255.250:3702, so the searching host must be on the cameras'
// VLAN), and the Media service lists each device's profiles with their RTSP stream URI. Uses npm
// `onvif` for SOAP and WS-Security, but only the calls needed here (its full connect() can throw from
// a callback on devices with unusual profile layouts, which would take the process down).
import { createRequire } from 'node:module';
import { AppError } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';
import { splitRtspCredentials } from '@cityops/devices/camera-repository';

const require = createRequire(import.meta.url);
type Callback<T> = (error: Error | null, value?: T) => void;
interface OnvifCam {
  uri?: { media?: unknown };
  getSystemDateAndTime(callback: Callback<Date>): void;
  getCapabilities(callback: Callback<unknown>): void;
  getDeviceInformation(callback: Callback<Record<string, string>>): void;
  getProfiles(callback: Callback<RawProfile[]>): void;
  getStreamUri(options: { protocol: string; profileToken: string }, callback: Callback<{ uri: string }>): void;
}
interface RawProfile {
  $: { token: string };
  name?: string;
  videoEncoderConfiguration?: { encoding?: string; resolution?: { width?: number; height?: number }; rateControl?: { frameRateLimit?: number } };
}
const onvif = require('onvif') as {
  Cam: new (options: Record<string, unknown>) => OnvifCam;
  Discovery: {
    probe(options: Record<string, unknown>, callback: (errors: unknown, devices: unknown[]) => void): void;
    listenerCount(event: string): number;
    on(event: string, listener: (...args: unknown[]) => void): void;
  };
};
// Discovery emits 'error' for any unparsable reply on the network; unhandled, that would throw.
if (!onvif.Discovery.listenerCount('error')) onvif.Discovery.on('error', () => {});

export interface DiscoveredDevice {
  /** WS-Discovery endpoint reference (stable device id). */
  urn: string;
  /** Device service URLs the device announced. */
  xaddrs: string[];
  name: string | null;
  hardware: string | null;
  location: string | null;
}

// Replies come from anything on the network segment: every field is read defensively and bounded.
const MAX_DISCOVERED_DEVICES = 1000;
const MAX_XADDRS = 8;
const MAX_FIELD_CHARS = 500;
const SCOPE_PREFIX = 'onvif://www.onvif.org/';
/** Where failures are logged: the request's logger in the api. */
interface WarningLog {
  warn(details: object, message: string): void;
}
const skippedReplyParts = counter('cityops_onvif_discovery_skipped_total', 'WS-Discovery reply parts ignored as malformed, by part', ['part']);

export async function discoverOnvifDevices(options: { timeoutMs?: number; networkInterface?: string; logger?: WarningLog } = {}): Promise<DiscoveredDevice[]> {
  const raw = await new Promise<unknown[]>((resolve) =>
    // Errors are replies from other devices that were not ONVIF: the valid ones are still returned.
    onvif.Discovery.probe({ resolve: false, timeout: options.timeoutMs ?? 3000, device: options.networkInterface }, (_errors, devices) =>
      resolve(Array.isArray(devices) ? devices : []),
    ),
  );
  const devices: DiscoveredDevice[] = [];
  const skipped: string[] = [];
  const skip = (part: string) => {
    skippedReplyParts.inc({ part });
    skipped.push(part);
  };
  for (const entry of raw.slice(0, MAX_DISCOVERED_DEVICES)) {
    const device = discoveredDevice(entry, skip);
    if (device) devices.push(device);
  }
  // Once per discovery, not per reply: a noisy segment must not flood the log.
  if (skipped.length) options.logger?.warn({ skipped: skipped.slice(0, 20), count: skipped.length }, 'ignored malformed parts of WS-Discovery replies');
  return devices;
}

/** One ProbeMatch as xml2js gave it; `skip` names each part that could not be read. Never throws. */
function discoveredDevice(entry: unknown, skip: (part: string) => void): DiscoveredDevice | undefined {
  const match = (entry as { probeMatches?: { probeMatch?: unknown } } | null)?.probeMatches?.probeMatch as Record<string, unknown> | undefined;
  const urn = textOf((match?.endpointReference as { address?: unknown } | undefined)?.address);
  if (!match || !urn) {
    skip('reply');
    return undefined;
  }
  const scopes = (textOf(match.scopes) ?? '').split(/\s+/);
  const scope = (kind: string): string | null => {
    const found = scopes.find((value) => value.startsWith(`${SCOPE_PREFIX}${kind}/`));
    if (!found) return null;
    try {
      return decodeURIComponent(found.slice(`${SCOPE_PREFIX}${kind}/`.length)).slice(0, MAX_FIELD_CHARS);
    } catch {
      skip(`scope_${kind}`); // e.g. a lone "%": not percent-encoding
      return null;
    }
  };
  const xaddrs: string[] = [];
  for (const address of (textOf(match.XAddrs) ?? '').split(/\s+/).filter(Boolean).slice(0, MAX_XADDRS)) {
    if (isHttpUrl(address)) xaddrs.push(address);
    else skip('xaddr');
  }
  return { urn, xaddrs, name: scope('name'), hardware: scope('hardware'), location: scope('location') };
}

/** xml2js gives a plain string, or an object with the text in `_` when the element has attributes. */
function textOf(value: unknown): string | null {
  const text = value && typeof value === 'object' ? (value as { _?: unknown })._ : value;
  if (typeof text !== 'string' && typeof text !== 'number') return null;
  const trimmed = String(text).trim();
  return trimmed && trimmed.length <= 4 * MAX_FIELD_CHARS ? trimmed : null;
}

function isHttpUrl(text: string): boolean {
  if (text.length > MAX_FIELD_CHARS) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface OnvifStreamProfile {
  token: string;
  name: string | null;
  encoding: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  /** Without credentials: the camera is registered with user name and password separately. */
  rtspUrl: string;
}

export interface OnvifDeviceStreams {
  manufacturer: string | null;
  model: string | null;
  serialNumber: string | null;
  firmwareVersion: string | null;
  profiles: OnvifStreamProfile[];
}

const call = <T>(run: (callback: Callback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))));

/**
 * Reads a device's media profiles and their RTSP URIs (RTP over RTSP/TCP). The caller checks the URL is a
 * permitted target first (onvif-targets.ts). Failures answer with a code only; the cause goes to the log.
 */
export async function readOnvifStreams(target: {
  url: URL;
  username?: string;
  password?: string;
  timeoutMs?: number;
  logger?: WarningLog;
}): Promise<OnvifDeviceStreams> {
  const { url } = target;
  const cam = new onvif.Cam({
    hostname: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    path: url.pathname,
    useSecure: url.protocol === 'https:',
    username: target.username,
    password: target.password,
    timeout: target.timeoutMs ?? 8000,
    autoconnect: false,
  });
  try {
    await call<Date>((callback) => cam.getSystemDateAndTime(callback));
    await call((callback) => cam.getCapabilities(callback));
    if (!cam.uri?.media) throw new AppError('onvif_no_media', 'the device has no ONVIF media service (not a camera or encoder)');
    const information = await call<Record<string, string>>((callback) => cam.getDeviceInformation(callback)).catch(() => ({}) as Record<string, string>);
    const profiles = await call<RawProfile[]>((callback) => cam.getProfiles(callback));
    const streams: OnvifStreamProfile[] = [];
    for (const profile of Array.isArray(profiles) ? profiles : [profiles]) {
      const media = await call<{ uri: string }>((callback) => cam.getStreamUri({ protocol: 'RTSP', profileToken: profile.$.token }, callback));
      const encoder = profile.videoEncoderConfiguration;
      streams.push({
        token: profile.$.token,
        name: profile.name ?? null,
        encoding: encoder?.encoding ?? null,
        width: numberOrNull(encoder?.resolution?.width),
        height: numberOrNull(encoder?.resolution?.height),
        fps: numberOrNull(encoder?.rateControl?.frameRateLimit),
        rtspUrl: splitRtspCredentials(String(media.uri)).url,
      });
    }
    const text = (value: unknown) => (value === undefined || value === null ? null : String(value));
    return {
      manufacturer: text(information.manufacturer),
      model: text(information.model),
      serialNumber: text(information.serialNumber),
      firmwareVersion: text(information.firmwareVersion),
      profiles: streams,
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    const message = (error as Error).message ?? String(error);
    if (/not ?authori[sz]ed|401/i.test(message)) {
      // 422, not 401: a 401 would tell the dashboard its own session had ended.
      throw new AppError('onvif_auth_failed', 'the device refused the user name or password', 'password');
    }
    // The socket or SOAP error stays in the log: reflected to the caller it would tell open ports from closed.
    target.logger?.warn({ device: url.host, err: message.slice(0, 500) }, 'ONVIF stream lookup failed');
    throw new AppError('onvif_failed', 'the ONVIF device did not answer as expected (see the server log)');
  }
}

function numberOrNull(value: unknown): number | null {
  const number = Number(value);
  return Number.isFinite(number) && value !== undefined && value !== null ? number : null;
}
