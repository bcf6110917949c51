// Register or edit a camera or a sensor. The location is set by clicking (or dragging the pin on) the
// map; secrets are write-only: an empty password field keeps the stored one.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../api.ts';
import { DistrictSelect } from '../district-select.tsx';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { type Camera, type Sensor, SENSOR_KINDS } from '@cityops/contract/devices';
import { CityMap } from '../map/city-map.tsx';
import type { MessageKey } from '../messages.ts';
import { navigate } from '../router.tsx';
import { EmptyState } from '../ui.tsx';
import { AnalysisEditor } from './analysis-editor.tsx';
import { clearCameraPrefill, peekCameraPrefill } from './camera-prefill.ts';
import { FieldOfViewEditor } from './field-of-view-editor.tsx';

type Values = Record<string, string | boolean>;

const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));
const numberOrNull = (value: string | boolean) => (value === '' || value === false ? null : Number(value));

/** Form values of the fields every device has (identity, placement, enabled). */
const commonValues = (existing: Camera | Sensor | undefined): Values => ({
  id: text(existing?.id),
  name: text(existing?.name),
  nameEn: text(existing?.nameEn),
  lat: text(existing?.lat),
  lon: text(existing?.lon),
  districtId: text(existing?.districtId),
  enabled: existing?.enabled ?? true,
});

/** The request fields every device has (the id goes in the URL, or only into a create). */
const commonBody = (values: Values) => ({
  name: values.name,
  nameEn: String(values.nameEn).trim() || null,
  lat: numberOrNull(values.lat),
  lon: numberOrNull(values.lon),
  districtId: values.districtId || null,
  enabled: values.enabled,
});

function Field({ label, name, error, children, wide = false }: { label: string; name: string; error?: ApiError; children: ReactNode; wide?: boolean }) {
  const { language } = useI18n();
  const failed = error?.field === name || error?.field?.startsWith(`${name}.`);
  return (
    <label className={`form-field ${wide ? 'wide' : ''} ${failed ? 'invalid' : ''}`} data-field={name}>
      <span>{label}</span>
      {children}
      {failed && <em className="field-error">{error!.inLanguage(language, { besideField: true })}</em>}
    </label>
  );
}

const DEVICE_KINDS = {
  camera: { collection: '/api/cameras', label: 'device.camera' },
  sensor: { collection: '/api/sensors', label: 'device.sensor' },
} as const satisfies Record<string, { collection: string; label: MessageKey }>;
type DeviceKind = keyof typeof DEVICE_KINDS;

/** Form state and the create / update / delete round trips shared by the camera and sensor forms. */
function useDeviceForm(kind: DeviceKind, id: string | undefined, initial: Values) {
  const { t } = useI18n();
  const live = useLive();
  const [values, setValues] = useState<Values>(initial);
  const [error, setError] = useState<ApiError>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const isNew = id === undefined;
  const { collection } = DEVICE_KINDS[kind];
  const set = (name: string) => (event: { target: { value: string; type?: string; checked?: boolean } }) => {
    setSaved(false);
    setValues((previous) => ({ ...previous, [name]: event.target.type === 'checkbox' ? Boolean(event.target.checked) : event.target.value }));
  };
  /** Creates (then opens the new device) or updates with `body`, the fields other than the id. */
  const save = async (body: Record<string, unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      if (isNew) {
        const created = await api<Record<DeviceKind, { id: string }>>(collection, { method: 'POST', body: { id: values.id, ...body } });
        await live.loadRegistry();
        navigate(`/engineer/${kind}s/${encodeURIComponent(created[kind].id)}`);
      } else {
        await api(`${collection}/${encodeURIComponent(id)}`, { method: 'PATCH', body });
        await live.loadRegistry();
        setSaved(true);
      }
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, 'unknown', String(failure)));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (isNew || !window.confirm(t('engineer.confirmDelete', { id }))) return;
    await api(`${collection}/${encodeURIComponent(id)}`, { method: 'DELETE' });
    await live.loadRegistry();
    navigate('/engineer');
  };
  /** The form's submit handler, sending what `toBody` makes of the values. */
  const submitWith = (toBody: (values: Values) => Record<string, unknown>) => (event: FormEvent) => {
    event.preventDefault();
    void save({ ...commonBody(values), ...toBody(values) });
  };
  return { kind, values, setValues, error, saved, busy, set, isNew, submitWith, remove: isNew ? undefined : () => void remove() };
}
type DeviceFormState = ReturnType<typeof useDeviceForm>;

/** The id and name fields every device form starts with (the id only when creating). */
function IdentityFields({ form }: { form: DeviceFormState }) {
  const { t } = useI18n();
  const { values, set } = form;
  return (
    <>
      {form.isNew && (
        <Field label={t('device.id')} name="id" error={form.error}>
          <input value={text(values.id)} onChange={set('id')} required pattern="[A-Za-z0-9._\-]{1,64}" />
        </Field>
      )}
      <Field label={t('engineer.name')} name="name" error={form.error} wide={!form.isNew}>
        <input value={text(values.name)} onChange={set('name')} required lang="vi" />
      </Field>
      <Field label={t('engineer.nameEn')} name="nameEn" error={form.error} wide>
        <input value={text(values.nameEn)} onChange={set('nameEn')} lang="en" placeholder={t('engineer.nameEnHint')} data-testid="device-name-en" />
      </Field>
    </>
  );
}

/** Where the device stands: typed here, or picked on the map beside the form. */
function PlacementFields({ form }: { form: DeviceFormState }) {
  const { t } = useI18n();
  const { values, set } = form;
  return (
    <>
      <Field label={t('engineer.lat')} name="lat" error={form.error}>
        <input value={text(values.lat)} onChange={set('lat')} inputMode="decimal" />
      </Field>
      <Field label={t('engineer.lon')} name="lon" error={form.error}>
        <input value={text(values.lon)} onChange={set('lon')} inputMode="decimal" />
      </Field>
      <Field label={t('alert.district')} name="districtId" error={form.error}>
        <DistrictSelect value={text(values.districtId)} onChange={set('districtId')} />
      </Field>
    </>
  );
}

function LocationPicker({ values, setValues }: { values: Values; setValues: (update: (previous: Values) => Values) => void }) {
  const { t } = useI18n();
  const live = useLive();
  const lat = values.lat === '' ? null : Number(values.lat);
  const lon = values.lon === '' ? null : Number(values.lon);
  return (
    <div className="location-picker">
      <div className="picker-hint">{t('engineer.pickHint')}</div>
      <CityMap
        className="picker-map"
        cameras={live.cameras}
        sensors={live.sensors}
        cameraHealth={live.cameraHealth}
        sensorHealth={live.sensorHealth}
        alerts={[]}
        focus={lat != null && lon != null && Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon, zoom: 14 } : undefined}
        pick={{ lat: Number.isFinite(lat) ? lat : null, lon: Number.isFinite(lon) ? lon : null, onPick: (pickedLat, pickedLon) => setValues((previous) => ({ ...previous, lat: String(pickedLat), lon: String(pickedLon) })) }}
      />
    </div>
  );
}

function FormFooter({ busy, saved, error, onDelete }: { busy: boolean; saved: boolean; error?: ApiError; onDelete?: () => void }) {
  const { t, language } = useI18n();
  return (
    <div className="form-footer">
      {error && !error.field && <p className="form-error">{error.inLanguage(language)}</p>}
      {error?.field && <p className="form-error">{t('engineer.fixField', { field: error.field })}</p>}
      {saved && <p className="form-ok">{t('common.saved')}</p>}
      <div className="action-row">
        <button className="button primary" type="submit" disabled={busy} data-testid="device-save">
          {t('common.save')}
        </button>
        <button className="button ghost" type="button" onClick={() => navigate('/engineer')}>
          {t('common.cancel')}
        </button>
        {onDelete && (
          <button className="button danger" type="button" onClick={onDelete} disabled={busy}>
            {t('common.delete')}
          </button>
        )}
      </div>
    </div>
  );
}

export const CameraForm = ({ id }: { id?: string }) => <RegisteredDevice kind="camera" id={id} />;
export const SensorForm = ({ id }: { id?: string }) => <RegisteredDevice kind="sensor" id={id} />;

/** Opens the editor for a new device, or for an existing one once the registry has it. */
function RegisteredDevice({ kind, id }: { kind: DeviceKind; id?: string }) {
  const { t } = useI18n();
  const live = useLive();
  const existing = id ? (kind === 'camera' ? live.camera(id) : live.sensor(id)) : undefined;
  const registryLoaded = (kind === 'camera' ? live.cameras : live.sensors).length > 0;
  // The form's initial values come from the registry: wait for it on a direct link.
  if (id && !existing) return <EmptyState icon="alert" title={registryLoaded ? t('device.notFound') : t('common.loading')} detail={id} />;
  return kind === 'camera' ? <CameraEditor id={id} existing={existing as Camera | undefined} /> : <SensorEditor id={id} existing={existing as Sensor | undefined} />;
}

/** A typed number the editor can draw, or the fallback while the field is empty or half typed. */
function finiteOr(value: unknown, fallback: number): number {
  const parsed = value === '' || value == null ? NaN : Number(value);
  return Number.isFinite(parsed) ? parsed : fallback;
}

function CameraEditor({ id, existing }: { id?: string; existing?: Camera }) {
  const { t } = useI18n();
  // A camera picked in ONVIF discovery arrives here with its stream and account filled in.
  const [prefill] = useState(() => (existing ? undefined : peekCameraPrefill()));
  useEffect(() => clearCameraPrefill(), []);
  const form = useDeviceForm('camera', id, {
    ...commonValues(existing),
    ...(prefill ? { id: prefill.id, name: prefill.name } : {}),
    rtspUrl: text(existing?.rtspUrl ?? prefill?.rtspUrl),
    username: text(existing?.username ?? prefill?.username),
    password: prefill?.password ?? '',
    detectStreamUrl: text(existing?.detectStreamUrl),
    bearing: text(existing?.bearing),
    fovDegrees: text(existing?.fovDegrees ?? 60),
    rangeMeters: text(existing?.rangeMeters ?? 60),
    detectFps: text(existing?.detectFps ?? 2),
  });
  const { values, set } = form;

  const submit = form.submitWith((entered) => ({
    rtspUrl: entered.rtspUrl,
    username: entered.username || null,
    bearing: numberOrNull(entered.bearing),
    fovDegrees: Number(entered.fovDegrees),
    rangeMeters: Number(entered.rangeMeters),
    detectFps: Number(entered.detectFps),
    // Empty: no detect stream, analysis decodes the main stream.
    detectStreamUrl: entered.detectStreamUrl || null,
    // Write-only: an empty field keeps the stored password.
    ...(entered.password ? { password: entered.password } : {}),
  }));

  return (
    <div className="device-editor">
      <form className="panel device-form" onSubmit={submit} data-testid="camera-form">
        <h2>{form.isNew ? t('engineer.newCamera') : `${t('device.camera')} ${id}`}</h2>
        {prefill && (
          <p className="form-ok" data-testid="onvif-prefilled">
            {t('onvif.prefilled', { device: prefill.source })}
          </p>
        )}
        <div className="form-grid">
          <IdentityFields form={form} />
          <Field label={t('engineer.rtspUrl')} name="rtspUrl" error={form.error} wide>
            <input value={text(values.rtspUrl)} onChange={set('rtspUrl')} required placeholder="rtsp://192.0.2.10:554/stream1" />
          </Field>
          <Field label={t('engineer.username')} name="username" error={form.error}>
            <input value={text(values.username)} onChange={set('username')} autoComplete="off" />
          </Field>
          <Field label={t('engineer.password')} name="password" error={form.error}>
            <input type="password" value={text(values.password)} onChange={set('password')} autoComplete="new-password" placeholder={existing?.hasPassword ? t('engineer.passwordKept') : ''} />
          </Field>
          <Field label={t('engineer.detectStreamUrl')} name="detectStreamUrl" error={form.error} wide>
            <input
              value={text(values.detectStreamUrl)}
              onChange={set('detectStreamUrl')}
              placeholder="rtsp://192.0.2.10:554/stream2"
              title={`${t('engineer.detectStreamHint')}${existing?.hasDetectStreamCredentials ? ` (${t('engineer.detectStreamCredentialsKept')})` : ''}`}
            />
          </Field>
          <PlacementFields form={form} />
          <Field label={t('engineer.bearing')} name="bearing" error={form.error}>
            <input value={text(values.bearing)} onChange={set('bearing')} inputMode="decimal" />
          </Field>
          <Field label={t('engineer.fovDegrees')} name="fovDegrees" error={form.error}>
            <input value={text(values.fovDegrees)} onChange={set('fovDegrees')} inputMode="decimal" />
          </Field>
          <Field label={t('engineer.rangeMeters')} name="rangeMeters" error={form.error}>
            <input value={text(values.rangeMeters)} onChange={set('rangeMeters')} inputMode="decimal" />
          </Field>
          {/* Beside the numbers it edits: dragging the cone fills bearing, angle and range above. */}
          <FieldOfViewEditor
            value={{ bearing: values.bearing === '' ? null : finiteOr(values.bearing, 0), fovDegrees: finiteOr(values.fovDegrees, 60), rangeMeters: finiteOr(values.rangeMeters, 60) }}
            onChange={(next) => form.setValues((previous) => ({ ...previous, bearing: text(next.bearing), fovDegrees: String(next.fovDegrees), rangeMeters: String(next.rangeMeters) }))}
          />
          <Field label={t('engineer.detectFps')} name="detectFps" error={form.error}>
            <input value={text(values.detectFps)} onChange={set('detectFps')} inputMode="decimal" />
          </Field>
          <label className="form-field checkbox">
            <input type="checkbox" checked={Boolean(values.enabled)} onChange={set('enabled')} /> {t('engineer.enabled')}
          </label>
        </div>
        <FormFooter busy={form.busy} saved={form.saved} error={form.error} onDelete={form.remove} />
      </form>
      <LocationPicker values={values} setValues={form.setValues} />
      {existing && <AnalysisEditor camera={existing} />}
    </div>
  );
}

function SensorEditor({ id, existing }: { id?: string; existing?: Sensor }) {
  const { t } = useI18n();
  const form = useDeviceForm('sensor', id, {
    ...commonValues(existing),
    kind: existing?.kind ?? 'tide_level',
    unit: text(existing?.unit),
    mqttUsername: text(existing?.mqttUsername),
    mqttPassword: '',
    level1: text(existing?.level1),
    level2: text(existing?.level2),
    level3: text(existing?.level3),
    hysteresis: text(existing?.hysteresis ?? 0),
    expectedIntervalSeconds: text(existing?.expectedIntervalSeconds ?? 60),
  });
  const { values, set } = form;

  const submit = form.submitWith((entered) => ({
    kind: entered.kind,
    mqttUsername: entered.mqttUsername || null,
    level1: numberOrNull(entered.level1),
    level2: numberOrNull(entered.level2),
    level3: numberOrNull(entered.level3),
    hysteresis: Number(entered.hysteresis || 0),
    expectedIntervalSeconds: Number(entered.expectedIntervalSeconds || 60),
    ...(entered.unit ? { unit: entered.unit } : {}),
    ...(entered.mqttPassword ? { mqttPassword: entered.mqttPassword } : {}),
  }));

  return (
    <div className="device-editor">
      <form className="panel device-form" onSubmit={submit} data-testid="sensor-form">
        <h2>{form.isNew ? t('engineer.newSensor') : `${t('device.sensor')} ${id}`}</h2>
        <div className="form-grid">
          <IdentityFields form={form} />
          <Field label={t('device.kind')} name="kind" error={form.error}>
            <select value={text(values.kind)} onChange={set('kind')}>
              {SENSOR_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {t(`sensorKind.${kind}` as MessageKey)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('engineer.unit')} name="unit" error={form.error}>
            <input value={text(values.unit)} onChange={set('unit')} placeholder={t('engineer.unitDefault')} />
          </Field>
          <PlacementFields form={form} />
          <Field label={t('engineer.interval')} name="expectedIntervalSeconds" error={form.error}>
            <input value={text(values.expectedIntervalSeconds)} onChange={set('expectedIntervalSeconds')} inputMode="numeric" />
          </Field>
          {(['level1', 'level2', 'level3'] as const).map((level, index) => (
            <Field key={level} label={t('engineer.level', { n: ['I', 'II', 'III'][index] })} name={level} error={form.error}>
              <input value={text(values[level])} onChange={set(level)} inputMode="decimal" />
            </Field>
          ))}
          <Field label={t('engineer.hysteresis')} name="hysteresis" error={form.error}>
            <input value={text(values.hysteresis)} onChange={set('hysteresis')} inputMode="decimal" />
          </Field>
          <Field label={t('engineer.mqttUsername')} name="mqttUsername" error={form.error}>
            <input value={text(values.mqttUsername)} onChange={set('mqttUsername')} autoComplete="off" />
          </Field>
          <Field label={t('engineer.mqttPassword')} name="mqttPassword" error={form.error}>
            <input type="password" value={text(values.mqttPassword)} onChange={set('mqttPassword')} autoComplete="new-password" placeholder={existing?.hasMqttPassword ? t('engineer.passwordKept') : ''} />
          </Field>
          <label className="form-field checkbox">
            <input type="checkbox" checked={Boolean(values.enabled)} onChange={set('enabled')} /> {t('engineer.enabled')}
          </label>
        </div>
        <FormFooter busy={form.busy} saved={form.saved} error={form.error} onDelete={form.remove} />
      </form>
      <LocationPicker values={values} setValues={form.setValues} />
    </div>
  );
}
