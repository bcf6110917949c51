// Zones and counting lines drawn on the camera's snapshot, with each zone's rules, and privacy masks
// (parts of the picture nobody may see: camera-ingest paints them black in every picture it lets out).
// Coordinates are fractions of the frame (devices/analysis-config.ts); the server validates (crossing
// edges, ids).
import { useRef, useState, type MouseEvent } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import type { Camera } from '@cityops/contract/devices';
import type { MessageKey } from '../messages.ts';
import { Icon } from '../ui.tsx';
import { errorMessage } from '../server-messages.ts';

type Point = [number, number];
type Rule =
  | { kind: 'wrong_way'; direction: [number, number] }
  | { kind: 'stalled_vehicle'; seconds: number }
  | { kind: 'illegal_parking'; minutes: number }
  | { kind: 'parking'; capacity: number }
  | { kind: 'congestion'; minVehicles: number; seconds: number; schedule?: ScheduleEntry[] }
  | { kind: 'crowd'; minPersons: number; seconds: number; schedule?: ScheduleEntry[] };
/** Another threshold for some hours of the day (city time), set from a proposal on the precision tab. */
type ScheduleEntry = { from: string; to: string; minPersons?: number; minVehicles?: number };
interface Zone {
  id: string;
  name?: string;
  polygon: Point[];
  rules: Rule[];
}
interface Line {
  id: string;
  name?: string;
  from: Point;
  to: Point;
}
interface PrivacyMask {
  id: string;
  name?: string;
  polygon: Point[];
}
interface Analysis {
  detectFps?: number;
  zones: Zone[];
  lines: Line[];
  privacyMasks: PrivacyMask[];
}
type DrawMode = 'select' | 'zone' | 'line' | 'mask';

const RULE_DEFAULTS: Record<Rule['kind'], Rule> = {
  stalled_vehicle: { kind: 'stalled_vehicle', seconds: 30 },
  illegal_parking: { kind: 'illegal_parking', minutes: 10 },
  parking: { kind: 'parking', capacity: 20 },
  congestion: { kind: 'congestion', minVehicles: 12, seconds: 30 },
  crowd: { kind: 'crowd', minPersons: 6, seconds: 5 },
  wrong_way: { kind: 'wrong_way', direction: [1, 0] },
};
const ZONE_COLORS = ['#38e1ff', '#f5c518', '#a78bfa', '#34d399', '#fb7185'];
const round = (value: number) => Math.round(value * 1000) / 1000;

function nextId(prefix: string, taken: string[]) {
  for (let n = 1; ; n++) if (!taken.includes(`${prefix}-${n}`)) return `${prefix}-${n}`;
}

export function AnalysisEditor({ camera }: { camera: Camera }) {
  const { t } = useI18n();
  const live = useLive();
  const initial = (camera.analysis ?? {}) as Partial<Analysis>;
  const [analysis, setAnalysis] = useState<Analysis>({ ...initial, zones: initial.zones ?? [], lines: initial.lines ?? [], privacyMasks: initial.privacyMasks ?? [] });
  const [mode, setMode] = useState<DrawMode>('select');
  const [draft, setDraft] = useState<Point[]>([]);
  const [snapshotFailed, setSnapshotFailed] = useState(false);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const surface = useRef<SVGSVGElement>(null);
  const ids = [...analysis.zones.map((zone) => zone.id), ...analysis.lines.map((line) => line.id), ...analysis.privacyMasks.map((mask) => mask.id)];

  const update = (next: Analysis) => {
    setAnalysis(next);
    setSaved(false);
  };
  const pointAt = (event: MouseEvent): Point => {
    const box = surface.current!.getBoundingClientRect();
    return [round(Math.min(1, Math.max(0, (event.clientX - box.left) / box.width))), round(Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)))];
  };
  const finishPolygon = (points = draft) => {
    if (points.length < 3) return;
    if (mode === 'mask') update({ ...analysis, privacyMasks: [...analysis.privacyMasks, { id: nextId('mask', ids), polygon: points }] });
    else update({ ...analysis, zones: [...analysis.zones, { id: nextId('zone', ids), polygon: points, rules: [] }] });
    setDraft([]);
    setMode('select');
  };
  const click = (event: MouseEvent) => {
    if (mode === 'select') return;
    const point = pointAt(event);
    if (mode === 'zone' || mode === 'mask') {
      // Clicking near the first point closes the polygon.
      if (draft.length >= 3 && Math.hypot(point[0] - draft[0][0], point[1] - draft[0][1]) < 0.025) return finishPolygon();
      setDraft([...draft, point]);
    } else if (draft.length === 0) {
      setDraft([point]);
    } else {
      update({ ...analysis, lines: [...analysis.lines, { id: nextId('line', ids), from: draft[0], to: point }] });
      setDraft([]);
      setMode('select');
    }
  };
  const save = async () => {
    setError(undefined);
    try {
      await api(`/api/cameras/${encodeURIComponent(camera.id)}`, { method: 'PATCH', body: { analysis } });
      await live.loadRegistry();
      setSaved(true);
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };
  const setZone = (index: number, zone: Zone) => update({ ...analysis, zones: analysis.zones.map((candidate, i) => (i === index ? zone : candidate)) });

  return (
    <section className="panel analysis-editor" data-testid="analysis-editor">
      <header className="panel-header">
        <h2>{t('analysis.title')}</h2>
        <div className="page-tools">
          <button className={`button small ${mode === 'zone' ? 'primary' : ''}`} onClick={() => { setMode('zone'); setDraft([]); }} data-testid="draw-zone">
            {t('analysis.drawZone')}
          </button>
          <button className={`button small ${mode === 'line' ? 'primary' : ''}`} onClick={() => { setMode('line'); setDraft([]); }} data-testid="draw-line">
            {t('analysis.drawLine')}
          </button>
          <button className={`button small ${mode === 'mask' ? 'primary' : ''}`} onClick={() => { setMode('mask'); setDraft([]); }} data-testid="draw-mask">
            {t('analysis.drawMask')}
          </button>
          {(mode === 'zone' || mode === 'mask') && draft.length >= 3 && (
            <button className="button small success" onClick={() => finishPolygon()} data-testid="finish-polygon">
              {mode === 'mask' ? t('analysis.finishMask') : t('analysis.finishZone')}
            </button>
          )}
          {mode !== 'select' && (
            <button className="button small ghost" onClick={() => { setMode('select'); setDraft([]); }}>
              {t('common.cancel')}
            </button>
          )}
        </div>
      </header>
      <div className="analysis-body">
        <div className={`analysis-canvas ${mode !== 'select' ? 'drawing' : ''}`}>
          {snapshotFailed ? (
            <div className="analysis-placeholder">{t('analysis.noSnapshot')}</div>
          ) : (
            <img src={`/api/cameras/${encodeURIComponent(camera.id)}/snapshot`} alt={camera.name} onError={() => setSnapshotFailed(true)} />
          )}
          <svg ref={surface} viewBox="0 0 1 1" preserveAspectRatio="none" onClick={click} data-testid="analysis-surface">
            <defs>
              <pattern id="privacy-hatch" width="0.02" height="0.02" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                <rect width="0.02" height="0.02" fill="#000000" />
                <rect width="0.006" height="0.02" fill="#f5c518" fillOpacity={0.55} />
              </pattern>
            </defs>
            {/* Masks as the picture leaves camera-ingest: black, hatched so they read as masks, not as a dark scene. */}
            {analysis.privacyMasks.map((mask) => (
              <polygon key={mask.id} points={mask.polygon.map((point) => point.join(',')).join(' ')} fill="url(#privacy-hatch)" stroke="#f5c518" strokeWidth={0.004} data-testid="privacy-mask" />
            ))}
            {analysis.zones.map((zone, index) => (
              <g key={zone.id}>
                <polygon points={zone.polygon.map((point) => point.join(',')).join(' ')} fill={ZONE_COLORS[index % ZONE_COLORS.length]} fillOpacity={0.18} stroke={ZONE_COLORS[index % ZONE_COLORS.length]} strokeWidth={0.004} />
              </g>
            ))}
            {analysis.lines.map((line) => (
              <g key={line.id}>
                <line x1={line.from[0]} y1={line.from[1]} x2={line.to[0]} y2={line.to[1]} stroke="#ff3b4e" strokeWidth={0.006} />
                <circle cx={line.from[0]} cy={line.from[1]} r={0.008} fill="#ff3b4e" />
                <circle cx={line.to[0]} cy={line.to[1]} r={0.008} fill="#ff3b4e" />
              </g>
            ))}
            {draft.length > 0 && (
              <>
                <polyline points={draft.map((point) => point.join(',')).join(' ')} fill="none" stroke="#ffffff" strokeWidth={0.004} strokeDasharray="0.01 0.006" />
                {draft.map((point, index) => (
                  <circle key={index} cx={point[0]} cy={point[1]} r={0.009} fill={index === 0 ? '#38e1ff' : '#ffffff'} />
                ))}
              </>
            )}
          </svg>
          {mode !== 'select' && <div className="analysis-hint">{mode === 'zone' ? t('analysis.zoneHint') : mode === 'mask' ? t('analysis.maskHint') : t('analysis.lineHint')}</div>}
        </div>
        <div className="analysis-list">
          {analysis.zones.length + analysis.lines.length + analysis.privacyMasks.length === 0 && <p className="muted">{t('analysis.empty')}</p>}
          {analysis.zones.map((zone, index) => (
            <div className="analysis-item" key={zone.id}>
              <div className="analysis-item-head">
                <span className="legend-swatch" style={{ background: ZONE_COLORS[index % ZONE_COLORS.length] }} />
                <input value={zone.id} onChange={(e) => setZone(index, { ...zone, id: e.target.value })} aria-label={t('device.id')} className="id-input" />
                <input value={zone.name ?? ''} placeholder={t('engineer.name')} onChange={(e) => setZone(index, { ...zone, name: e.target.value || undefined })} />
                <button className="icon-button" onClick={() => update({ ...analysis, zones: analysis.zones.filter((_, i) => i !== index) })} aria-label={t('common.delete')}>
                  <Icon name="close" size={16} />
                </button>
              </div>
              {zone.rules.map((rule, ruleIndex) => (
                <RuleEditor key={ruleIndex} rule={rule} onChange={(next) => setZone(index, { ...zone, rules: next ? zone.rules.map((r, i) => (i === ruleIndex ? next : r)) : zone.rules.filter((_, i) => i !== ruleIndex) })} />
              ))}
              <select value="" onChange={(e) => e.target.value && setZone(index, { ...zone, rules: [...zone.rules, RULE_DEFAULTS[e.target.value as Rule['kind']]] })} aria-label={t('analysis.addRule')}>
                <option value="">+ {t('analysis.addRule')}</option>
                {Object.keys(RULE_DEFAULTS).map((kind) => (
                  <option key={kind} value={kind}>
                    {t(`kind.${kind}` as MessageKey)}
                  </option>
                ))}
              </select>
            </div>
          ))}
          {analysis.lines.map((line, index) => (
            <div className="analysis-item" key={line.id}>
              <div className="analysis-item-head">
                <span className="legend-swatch" style={{ background: '#ff3b4e' }} />
                <input value={line.id} onChange={(e) => update({ ...analysis, lines: analysis.lines.map((l, i) => (i === index ? { ...l, id: e.target.value } : l)) })} aria-label={t('device.id')} className="id-input" />
                <span className="muted small">{t('analysis.countingLine')}</span>
                <button className="icon-button" onClick={() => update({ ...analysis, lines: analysis.lines.filter((_, i) => i !== index) })} aria-label={t('common.delete')}>
                  <Icon name="close" size={16} />
                </button>
              </div>
            </div>
          ))}
          {analysis.privacyMasks.map((mask, index) => (
            <div className="analysis-item" key={mask.id} data-testid="privacy-mask-item">
              <div className="analysis-item-head">
                <span className="legend-swatch privacy-swatch" />
                <input value={mask.id} onChange={(e) => update({ ...analysis, privacyMasks: analysis.privacyMasks.map((m, i) => (i === index ? { ...m, id: e.target.value } : m)) })} aria-label={t('device.id')} className="id-input" />
                <input value={mask.name ?? ''} placeholder={t('engineer.name')} onChange={(e) => update({ ...analysis, privacyMasks: analysis.privacyMasks.map((m, i) => (i === index ? { ...m, name: e.target.value || undefined } : m)) })} />
                <button className="icon-button" onClick={() => update({ ...analysis, privacyMasks: analysis.privacyMasks.filter((_, i) => i !== index) })} aria-label={t('common.delete')}>
                  <Icon name="close" size={16} />
                </button>
              </div>
              <span className="muted small">{t('analysis.maskEffect')}</span>
            </div>
          ))}
          {error && <p className="form-error">{error}</p>}
          {saved && <p className="form-ok">{t('common.saved')}</p>}
          <button className="button primary" onClick={() => void save()} data-testid="analysis-save">
            {t('analysis.save')}
          </button>
        </div>
      </div>
    </section>
  );
}

function RuleEditor({ rule, onChange }: { rule: Rule; onChange(rule: Rule | undefined): void }) {
  const { t } = useI18n();
  const numberField = (name: string, value: number, label: MessageKey) => (
    <label className="rule-param">
      <span>{t(label)}</span>
      <input type="number" value={value} min={0} step="any" onChange={(e) => onChange({ ...rule, [name]: Number(e.target.value) } as Rule)} />
    </label>
  );
  return (
    <div className="rule-row">
      <strong>{t(`kind.${rule.kind}` as MessageKey)}</strong>
      {rule.kind === 'stalled_vehicle' && numberField('seconds', rule.seconds, 'analysis.seconds')}
      {rule.kind === 'illegal_parking' && numberField('minutes', rule.minutes, 'analysis.minutes')}
      {rule.kind === 'parking' && numberField('capacity', rule.capacity, 'analysis.capacity')}
      {rule.kind === 'congestion' && (
        <>
          {numberField('minVehicles', rule.minVehicles, 'analysis.minVehicles')}
          {numberField('seconds', rule.seconds, 'analysis.seconds')}
        </>
      )}
      {rule.kind === 'crowd' && (
        <>
          {numberField('minPersons', rule.minPersons, 'analysis.minPersons')}
          {numberField('seconds', rule.seconds, 'analysis.seconds')}
        </>
      )}
      {(rule.kind === 'crowd' || rule.kind === 'congestion') && rule.schedule?.length ? (
        <span className="rule-schedule" data-testid="rule-schedule">
          <span className="muted small">{t('analysis.schedule')}</span>
          {rule.schedule.map((entry, index) => (
            <span key={`${entry.from}-${entry.to}`} className="chip">
              {entry.from}–{entry.to}: {entry.minPersons ?? entry.minVehicles}
              <button
                className="icon-button"
                onClick={() => onChange({ ...rule, schedule: rule.schedule!.filter((_, other) => other !== index) })}
                aria-label={`${t('common.delete')} ${entry.from}–${entry.to}`}
              >
                <Icon name="close" size={12} />
              </button>
            </span>
          ))}
        </span>
      ) : null}
      {rule.kind === 'wrong_way' && (
        <label className="rule-param">
          <span>{t('analysis.direction')}</span>
          <select value={rule.direction.join(',')} onChange={(e) => onChange({ kind: 'wrong_way', direction: e.target.value.split(',').map(Number) as [number, number] })}>
            <option value="1,0">→</option>
            <option value="-1,0">←</option>
            <option value="0,1">↓</option>
            <option value="0,-1">↑</option>
          </select>
        </label>
      )}
      <button className="icon-button" onClick={() => onChange(undefined)} aria-label={t('common.delete')}>
        <Icon name="close" size={14} />
      </button>
    </div>
  );
}
