// Where the phone is, for the distances and directions the field view shows (never sent anywhere: the
// duty switch's PositionReporter is what shares the position, with consent).
import { useEffect, useState } from 'react';

export interface PhonePosition {
  lat: number;
  lon: number;
  accuracy: number;
}

export function usePhonePosition(): { position?: PhonePosition; error?: string } {
  const [state, setState] = useState<{ position?: PhonePosition; error?: string }>({});
  useEffect(() => {
    if (!('geolocation' in navigator)) return setState({ error: 'unsupported' });
    const watch = navigator.geolocation.watchPosition(
      (result) => setState({ position: { lat: result.coords.latitude, lon: result.coords.longitude, accuracy: result.coords.accuracy } }),
      (error) => setState((previous) => ({ ...previous, error: error.message || 'denied' })),
      { enableHighAccuracy: true, maximumAge: 30_000, timeout: 20_000 },
    );
    return () => navigator.geolocation.clearWatch(watch);
  }, []);
  return state;
}
