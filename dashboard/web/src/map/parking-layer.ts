// Parking zones on the city map: a badge under the camera that watches them, "P free/spaces", coloured
// by how full the zone is and saying "full" in words when it is (colour is never the only cue). Zones
// are few (tens), so each camera's badges are one DOM marker, rebuilt when the figures change.
import maplibregl, { type Map as MapLibreMap } from 'maplibre-gl';
import type { ParkingZoneView } from '@cityops/contract/parking';
import type { Translate } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import { parkingLevel } from '../parking/parking-zones.ts';

export class ParkingLayer {
  private readonly markers = new Map<string, { marker: maplibregl.Marker; signature: string }>();

  constructor(
    private readonly map: MapLibreMap,
    private readonly onSelect: (cameraId: string, zoneId: string) => void,
  ) {}

  setZones(zones: readonly ParkingZoneView[], t: Translate): void {
    const byCamera = new Map<string, ParkingZoneView[]>();
    for (const zone of zones) {
      if (zone.lat === null || zone.lon === null) continue;
      const list = byCamera.get(zone.cameraId) ?? [];
      list.push(zone);
      byCamera.set(zone.cameraId, list);
    }
    for (const [cameraId, shown] of this.markers) {
      if (byCamera.has(cameraId)) continue;
      shown.marker.remove();
      this.markers.delete(cameraId);
    }
    for (const [cameraId, cameraZones] of byCamera) {
      // The language is part of the signature: switching it rebuilds the words.
      const signature = JSON.stringify([t('parking.full'), cameraZones.map((zone) => [zone.zoneId, zone.zoneName, zone.free, zone.capacity, zone.lat, zone.lon])]);
      const shown = this.markers.get(cameraId);
      if (shown?.signature === signature) continue;
      const element = this.badges(cameraZones, t);
      shown?.marker.remove();
      // Under the camera's icon, which stays clickable.
      const marker = new maplibregl.Marker({ element, anchor: 'top', offset: [0, 14] }).setLngLat([cameraZones[0].lon!, cameraZones[0].lat!]).addTo(this.map);
      this.markers.set(cameraId, { marker, signature });
    }
  }

  stop(): void {
    for (const { marker } of this.markers.values()) marker.remove();
    this.markers.clear();
  }

  private badges(zones: readonly ParkingZoneView[], t: Translate): HTMLElement {
    const stack = document.createElement('div');
    stack.className = 'parking-stack';
    for (const zone of zones) {
      const level = parkingLevel(zone);
      const name = zone.zoneName ?? zone.zoneId;
      const badge = document.createElement('button');
      badge.type = 'button';
      badge.className = `parking-badge ${level}`;
      badge.dataset.testid = 'parking-badge';
      badge.dataset.cameraId = zone.cameraId;
      badge.dataset.zoneId = zone.zoneId;
      badge.dataset.level = level;
      const label =
        zone.free === null ? t('parking.badgeUnknown', { name, capacity: zone.capacity }) : t('parking.badgeLabel', { name, free: zone.free, capacity: zone.capacity });
      badge.title = `${label} · ${t(`parking.level.${level}` as MessageKey)}`;
      badge.setAttribute('aria-label', badge.title);
      const letter = document.createElement('span');
      letter.className = 'parking-letter';
      letter.textContent = 'P';
      const figures = document.createElement('span');
      figures.className = 'parking-figures';
      figures.textContent = level === 'full' ? `${t('parking.full')} 0/${zone.capacity}` : `${zone.free ?? '–'}/${zone.capacity}`;
      badge.append(letter, figures);
      badge.addEventListener('click', (event) => {
        event.stopPropagation();
        this.onSelect(zone.cameraId, zone.zoneId);
      });
      stack.append(badge);
    }
    return stack;
  }
}
