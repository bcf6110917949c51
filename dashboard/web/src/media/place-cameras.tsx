// The cameras at an alert's or incident's place, live (#17 part 3): those whose field of view holds the
// place first, then the nearest within 500 m (the server decides, with contract/field-of-view.ts). A
// sensor's flood alarm so shows the street it is in. Without a place there is nothing to show.
import { useEffect, useState } from 'react';
import type { PlaceCamera } from '@cityops/contract/devices';
import { api } from '../api.ts';
import { formatDistance } from '../geodesy.ts';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { LiveVideo } from './live-video.tsx';
import './place-cameras.css';

/** The cameras for a place, asked again when the camera registry changes (a cone turned, a camera added). */
export function usePlaceCameras(place: { lat: number | null; lon: number | null } | null): { cameras?: PlaceCamera[]; error?: string } {
  const { cameras: registry } = useLive();
  const [found, setFound] = useState<{ cameras?: PlaceCamera[]; error?: string }>({});
  const lat = place?.lat ?? null;
  const lon = place?.lon ?? null;
  useEffect(() => {
    if (lat === null || lon === null) return setFound({});
    let current = true;
    api<{ cameras: PlaceCamera[] }>(`/api/cameras/for-place?lat=${lat}&lon=${lon}`)
      .then((answer) => current && setFound({ cameras: answer.cameras }))
      .catch((error: Error) => current && setFound({ error: error.message }));
    return () => {
      current = false;
    };
  }, [lat, lon, registry]);
  return found;
}

export function PlaceCameras({ place, excludeCameraId }: { place: { lat: number | null; lon: number | null }; excludeCameraId?: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { cameras, error } = usePlaceCameras(place);
  if (place.lat === null || place.lon === null) return null;
  const shown = cameras?.filter((camera) => camera.id !== excludeCameraId);
  return (
    <section className="place-cameras" data-testid="place-cameras">
      <h3>{t('placeCameras.title')}</h3>
      {error && <p className="form-error">{t('placeCameras.failed', { reason: error })}</p>}
      {!error && !shown && <p className="muted small">{t('common.loading')}</p>}
      {shown?.length === 0 && (
        <p className="muted small" data-testid="place-cameras-none">
          {t('placeCameras.none')}
        </p>
      )}
      {shown && shown.length > 0 && (
        <ul className="place-camera-grid">
          {shown.map((camera) => (
            <li key={camera.id} className={`place-camera ${camera.sees ? 'sees' : 'near'}`} data-testid="place-camera" data-camera-id={camera.id} data-sees={camera.sees}>
              <LiveVideo cameraId={camera.id} showDetail={false} retryAfterMs={15_000} />
              <div className="place-camera-caption">
                <strong>{i18n.name(camera)}</strong>
                <span className={`place-camera-tag ${camera.sees ? 'sees' : 'near'}`}>
                  {t(camera.sees ? 'placeCameras.sees' : 'placeCameras.near', { distance: formatDistance(i18n, camera.distanceMeters) })}
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
