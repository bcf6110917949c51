// Which addresses the api may contact for an ONVIF stream lookup. The lookup is a server-side request
// to a URL an engineer types, so unchecked it would let any engineer account probe the server's
// network (connect to any host:port and read the error). Allowed: an http(s) URL whose path is an
// ONVIF service path (/onvif/…), on an address a discovery by this api found recently, or on the host
// of a registered camera at a port ONVIF devices commonly use.
import { AppError, badRequest } from '@cityops/core/errors';
import type { Queryable } from '@cityops/core/database/pool';
import { isRegisteredCameraHost } from '@cityops/devices/camera-repository';
import { counter } from '@cityops/core/metrics';
import type { DiscoveredDevice } from './onvif-client.ts';

/** How long a discovered device stays a permitted target: long enough to pick it and type its password. */
export const DISCOVERED_TARGET_TTL_MS = 30 * 60_000;
const MAX_REMEMBERED = 10_000;
/** Ports ONVIF device services commonly listen on (vendor defaults: 80, 443, 8000, 8080, 8899, 2020). */
export const COMMON_ONVIF_PORTS = new Set([80, 443, 8000, 8080, 8899, 2020]);

const refusedTargets = counter('cityops_onvif_targets_refused_total', 'ONVIF stream lookups refused before any connection, by reason', ['reason']);

export class OnvifTargets {
  /** origin (scheme://host:port) → when it stops being permitted. */
  private readonly discovered = new Map<string, number>();

  constructor(private readonly ttlMs = DISCOVERED_TARGET_TTL_MS) {}

  remember(devices: DiscoveredDevice[], nowMs = Date.now()): void {
    for (const [origin, expiresAt] of this.discovered) if (expiresAt <= nowMs) this.discovered.delete(origin);
    for (const device of devices) {
      for (const address of device.xaddrs) {
        if (this.discovered.size >= MAX_REMEMBERED) return;
        this.discovered.set(new URL(address).origin, nowMs + this.ttlMs);
      }
    }
  }

  /** The parsed URL when the api may contact it; a 400 or 403 with a code otherwise (nothing is contacted). */
  async check(deviceUrl: string, db: Queryable, nowMs = Date.now()): Promise<URL> {
    let url: URL;
    try {
      url = new URL(deviceUrl);
    } catch {
      url = new URL('invalid:');
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.pathname.startsWith('/onvif/') || url.username || url.password) {
      refusedTargets.inc({ reason: 'not_onvif_url' });
      throw badRequest('deviceUrl must be the http(s) ONVIF device service URL from discovery (e.g. http://10.0.0.5/onvif/device_service)', 'deviceUrl', { reason: 'onvif_device_url' });
    }
    if ((this.discovered.get(url.origin) ?? 0) > nowMs) return url;
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (COMMON_ONVIF_PORTS.has(port) && (await isRegisteredCameraHost(db, url.hostname))) return url;
    refusedTargets.inc({ reason: 'not_discovered' });
    throw new AppError('onvif_target_not_allowed',
      `run a discovery first: only devices it found in the last ${Math.round(this.ttlMs / 60_000)} minutes, or registered cameras on a usual ONVIF port, can be read`,
      'deviceUrl',
    );
  }
}
