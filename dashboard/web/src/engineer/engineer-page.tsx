// Engineer tools (engineers and admins only): the device registry, device forms with placement on the
// map and zone drawing, bulk import, the health of every device, and the incident rules (the one tab the
// command room may read too).
import { useMemo, useState } from 'react';
import { canEngineer, useUser } from '../session.tsx';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { deviceState } from '../map/city-map.tsx';
import type { MessageKey } from '../messages.ts';
import { Link, matchPath, useLocation } from '../router.tsx';
import { EmptyState, Icon } from '../ui.tsx';
import { CameraForm, SensorForm } from './device-form.tsx';
import { HealthList } from './health-list.tsx';
import { ImportPanel } from './import-panel.tsx';
import { IncidentRules } from './incident-rules.tsx';
import { JointRulesPanel } from './joint-rules-panel.tsx';
import { OnvifPanel } from './onvif-panel.tsx';
import { PrecisionPanel } from './precision-panel.tsx';
import { SystemHealth } from './system-health.tsx';

const TABS: { to: string; label: MessageKey; icon: string }[] = [
  { to: '/engineer', label: 'engineer.devices', icon: 'tools' },
  { to: '/engineer/health', label: 'engineer.health', icon: 'health' },
  { to: '/engineer/import', label: 'engineer.import', icon: 'upload' },
  { to: '/engineer/onvif', label: 'onvif.tab', icon: 'camera' },
  { to: '/engineer/incident-rules', label: 'rules.tab', icon: 'incident' },
  { to: '/engineer/joint-rules', label: 'jointRules.tab', icon: 'incident' },
  { to: '/engineer/precision', label: 'precision.tab', icon: 'health' },
];
/** The tabs the command room (operators, viewers) may open: they read the rules without editing them. */
const READER_TABS = ['/engineer/incident-rules', '/engineer/joint-rules'];

export default function EngineerPage() {
  const { t } = useI18n();
  const { path } = useLocation();
  const engineer = canEngineer(useUser());
  const camera = matchPath('/engineer/cameras/:id', path);
  const sensor = matchPath('/engineer/sensors/:id', path);
  let content;
  if (camera) content = <CameraForm key={camera.id} id={camera.id === 'new' ? undefined : camera.id} />;
  else if (sensor) content = <SensorForm key={sensor.id} id={sensor.id === 'new' ? undefined : sensor.id} />;
  else if (path === '/engineer/health')
    content = (
      <>
        <SystemHealth />
        <HealthList />
      </>
    );
  else if (path === '/engineer/import') content = <ImportPanel />;
  else if (path === '/engineer/onvif') content = <OnvifPanel />;
  else if (path === '/engineer/incident-rules') content = <IncidentRules />;
  else if (path === '/engineer/joint-rules') content = <JointRulesPanel />;
  else if (path === '/engineer/precision') content = <PrecisionPanel />;
  else content = <DeviceList />;
  return (
    <div className="page engineer-page">
      <nav className="sub-nav" aria-label={t('nav.engineer')}>
        {TABS.filter((tab) => engineer || READER_TABS.includes(tab.to)).map((tab) => (
          <Link key={tab.to} to={tab.to} data-testid={`engineer-tab-${tab.to.split('/')[2] ?? 'devices'}`} className={path === tab.to || (tab.to === '/engineer' && (camera || sensor)) ? 'active' : ''}>
            <Icon name={tab.icon} size={16} /> {t(tab.label)}
          </Link>
        ))}
      </nav>
      {content}
    </div>
  );
}

function DeviceList() {
  const { t, language, name: nameOf } = useI18n();
  const live = useLive();
  const [search, setSearch] = useState('');
  const [type, setType] = useState<'all' | 'camera' | 'sensor'>('all');
  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const all = [
      ...live.cameras.map((camera) => ({ type: 'camera' as const, id: camera.id, name: nameOf(camera), searchText: `${camera.name} ${camera.nameEn ?? ''}`, kind: 'camera', districtId: camera.districtId, located: camera.lat != null, enabled: camera.enabled, health: live.cameraHealth.get(camera.id) })),
      ...live.sensors.map((sensor) => ({ type: 'sensor' as const, id: sensor.id, name: nameOf(sensor), searchText: `${sensor.name} ${sensor.nameEn ?? ''}`, kind: sensor.kind, districtId: sensor.districtId, located: sensor.lat != null, enabled: sensor.enabled, health: live.sensorHealth.get(sensor.id) })),
    ];
    return all.filter((row) => (type === 'all' || row.type === type) && (!needle || `${row.id} ${row.searchText}`.toLowerCase().includes(needle)));
  }, [live.cameras, live.sensors, live.cameraHealth, live.sensorHealth, search, type, nameOf]);
  return (
    <section className="panel table-panel">
      <header className="panel-header">
        <h2>
          {t('engineer.devices')} <span className="panel-count">{rows.length}</span>
        </h2>
        <div className="page-tools">
          <input type="search" placeholder={t('common.search')} value={search} onChange={(e) => setSearch(e.target.value)} />
          <select value={type} onChange={(e) => setType(e.target.value as typeof type)} aria-label={t('device.kind')}>
            <option value="all">{t('common.all')}</option>
            <option value="camera">{t('device.camera')}</option>
            <option value="sensor">{t('device.sensor')}</option>
          </select>
          <Link to="/engineer/cameras/new" className="button primary small" data-testid="new-camera">
            <Icon name="plus" size={15} /> {t('engineer.newCamera')}
          </Link>
          <Link to="/engineer/sensors/new" className="button primary small" data-testid="new-sensor">
            <Icon name="plus" size={15} /> {t('engineer.newSensor')}
          </Link>
        </div>
      </header>
      {rows.length === 0 ? (
        <EmptyState icon="tools" title={t('engineer.noDevices')} />
      ) : (
        <div className="table-scroll">
          <table className="data-table" data-testid="device-table">
            <thead>
              <tr>
                <th>{t('device.id')}</th>
                <th>{t('engineer.name')}</th>
                <th>{t('device.kind')}</th>
                <th>{t('alert.district')}</th>
                <th>{t('engineer.location')}</th>
                <th>{t('engineer.state')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const state = deviceState(row.enabled, row.health);
                return (
                  <tr key={`${row.type}-${row.id}`}>
                    <td className="mono">{row.id}</td>
                    <td>{row.name}</td>
                    <td>{row.type === 'camera' ? t('device.camera') : t(`sensorKind.${row.kind}` as MessageKey)}</td>
                    <td>{live.districtName(row.districtId, language) ?? '—'}</td>
                    <td>{row.located ? <Icon name="pin" size={15} /> : <span className="warning-tag">{t('engineer.noLocation')}</span>}</td>
                    <td>
                      <span className={`state-dot inline ${state}`} /> {t(`state.${state}` as MessageKey)}
                    </td>
                    <td>
                      <Link to={`/engineer/${row.type}s/${encodeURIComponent(row.id)}`} className="button small ghost">
                        {t('common.edit')}
                      </Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
