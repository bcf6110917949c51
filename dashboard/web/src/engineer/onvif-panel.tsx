// ONVIF discovery: the api host sends a WS-Discovery probe on its network segment, the engineer reads a
// device's media profiles with the camera's account, and picks one to prefill the camera form. The
// server never echoes the credentials back; the password typed here goes to the form in memory only.
import { useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { navigate } from '../router.tsx';
import { EmptyState, ErrorNote, Icon, Spinner } from '../ui.tsx';
import { offerCameraPrefill } from './camera-prefill.ts';

interface DiscoveredDevice {
  urn: string;
  xaddrs: string[];
  name: string | null;
  hardware: string | null;
  location: string | null;
}

interface DeviceStreams {
  manufacturer: string | null;
  model: string | null;
  profiles: { token: string; name: string | null; encoding: string | null; width: number | null; height: number | null; fps: number | null; rtspUrl: string }[];
}

/** A camera id the registry accepts, from the device's name: `Nút giao Hàng Xanh` → `nut-giao-hang-xanh`. */
function suggestedId(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

function DeviceRow({ device }: { device: DiscoveredDevice }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [streams, setStreams] = useState<DeviceStreams>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const deviceUrl = device.xaddrs[0];
  const title = device.name ?? device.hardware ?? device.urn;

  const read = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setStreams(await api<DeviceStreams>('/api/cameras/onvif/streams', { method: 'POST', body: { deviceUrl, username: username || undefined, password: password || undefined } }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const register = (profile: DeviceStreams['profiles'][number]) => {
    offerCameraPrefill({ source: title, id: suggestedId(device.name ?? profile.token), name: device.name ?? title, rtspUrl: profile.rtspUrl, username, password });
    navigate('/engineer/cameras/new');
  };

  return (
    <li className="onvif-device" data-testid="onvif-device" data-urn={device.urn}>
      <div className="onvif-device-head">
        <div>
          <strong>{title}</strong>
          <div className="muted small">
            {[device.hardware, device.location].filter(Boolean).join(' · ')} <span className="mono">{deviceUrl}</span>
          </div>
        </div>
        <form
          className="onvif-credentials"
          onSubmit={(event) => {
            event.preventDefault();
            void read();
          }}
        >
          <input value={username} onChange={(e) => setUsername(e.target.value)} placeholder={t('engineer.username')} aria-label={t('engineer.username')} autoComplete="off" data-testid="onvif-username" />
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} placeholder={t('engineer.password')} aria-label={t('engineer.password')} autoComplete="new-password" data-testid="onvif-password" />
          <button className="button small" type="submit" disabled={busy || !deviceUrl} data-testid="onvif-read">
            {t('onvif.readStreams')}
          </button>
        </form>
      </div>
      <ErrorNote error={error} />
      {streams && (
        <table className="data-table onvif-profiles" data-testid="onvif-profiles">
          <thead>
            <tr>
              <th>{t('onvif.profile')}</th>
              <th>{t('onvif.resolution')}</th>
              <th>{t('engineer.rtspUrl')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {streams.profiles.map((profile) => (
              <tr key={profile.token} data-testid="onvif-profile" data-token={profile.token}>
                <td>
                  {profile.name ?? profile.token} <span className="muted small">{profile.encoding}</span>
                </td>
                <td className="mono">
                  {profile.width && profile.height ? `${profile.width}×${profile.height}` : '—'}
                  {profile.fps ? ` @ ${profile.fps} fps` : ''}
                </td>
                <td className="mono small">{profile.rtspUrl}</td>
                <td>
                  <button className="button small primary" type="button" onClick={() => register(profile)} data-testid={`onvif-use-${profile.token}`}>
                    <Icon name="plus" size={14} /> {t('onvif.useProfile')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </li>
  );
}

export function OnvifPanel() {
  const { t } = useI18n();
  const [devices, setDevices] = useState<DiscoveredDevice[]>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const discover = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setDevices((await api<{ devices: DiscoveredDevice[] }>('/api/cameras/onvif/discover', { method: 'POST', body: { timeoutMs: 3000 } })).devices);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel onvif-panel" data-testid="onvif-panel">
      <header className="panel-header">
        <h2>
          {t('onvif.title')} {devices && <span className="panel-count">{devices.length}</span>}
        </h2>
        <button className="button primary small" onClick={() => void discover()} disabled={busy} data-testid="onvif-discover">
          <Icon name="refresh" size={15} /> {t('onvif.discover')}
        </button>
      </header>
      <p className="muted small onvif-explain">{t('onvif.explain')}</p>
      <ErrorNote error={error} />
      {busy && <Spinner label={t('onvif.searching')} />}
      {!busy && devices?.length === 0 && <EmptyState icon="camera" title={t('onvif.none')} detail={t('onvif.noneDetail')} />}
      {!busy && devices && devices.length > 0 && (
        <>
          <p className="muted small onvif-explain" data-testid="onvif-found">
            {t('onvif.found', { count: devices.length })}
          </p>
          <ul className="onvif-devices">
            {devices.map((device) => (
              <DeviceRow key={device.urn} device={device} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
