// Bulk import of cameras and sensors from a CSV or GeoJSON file. All rows or none: a rejected file
// lists every bad row with its field and reason, so it can be fixed in one pass.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { importRowMessage } from '../server-messages.ts';

export function ImportPanel() {
  const { t, language } = useI18n();
  const live = useLive();
  const [file, setFile] = useState<File>();
  const [onExisting, setOnExisting] = useState<'fail' | 'update'>('fail');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: true; summary: unknown } | { ok: false; error: ApiError }>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setResult(undefined);
    const isCsv = /\.csv$/i.test(file.name) || file.type.includes('csv');
    try {
      const response = await api<{ imported: unknown }>(`/api/devices/import?onExisting=${onExisting}`, {
        method: 'POST',
        rawBody: await file.text(),
        contentType: isCsv ? 'text/csv' : 'application/geo+json',
      });
      setResult({ ok: true, summary: response.imported });
      await live.loadRegistry();
    } catch (error) {
      setResult({ ok: false, error: error instanceof ApiError ? error : new ApiError(0, 'unknown', String(error)) });
    } finally {
      setBusy(false);
    }
  };

  const summary = result?.ok ? (result.summary as Record<string, unknown>) : undefined;
  return (
    <section className="panel import-panel" data-testid="import-panel">
      <header className="panel-header">
        <h2>{t('import.title')}</h2>
      </header>
      <form className="import-form" onSubmit={submit}>
        <p className="muted">{t('import.explain')}</p>
        <pre className="code-sample">type,id,name,lat,lon,district_id,kind,rtsp_url,level1,level2,level3{'\n'}camera,cam-101,Ngã tư Hàng Xanh,10.8016,106.7113,quan-binh-thanh,,rtsp://192.0.2.10/stream1,,,{'\n'}sensor,tide-101,Trạm triều Phú An,10.7723,106.7105,quan-binh-thanh,tide_level,,1.5,1.6,1.7</pre>
        <div className="action-row">
          <input type="file" accept=".csv,.geojson,.json,text/csv,application/geo+json,application/json" onChange={(e) => setFile(e.target.files?.[0])} data-testid="import-file" />
          <select value={onExisting} onChange={(e) => setOnExisting(e.target.value as 'fail' | 'update')} aria-label={t('import.onExisting')}>
            <option value="fail">{t('import.failOnExisting')}</option>
            <option value="update">{t('import.updateExisting')}</option>
          </select>
          <button className="button primary" disabled={!file || busy} type="submit" data-testid="import-submit">
            {busy ? t('common.working') : t('import.submit')}
          </button>
        </div>
      </form>
      {summary && (
        <p className="form-ok" data-testid="import-ok">
          {t('import.done')} {Object.entries(summary).map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`).join(' · ')}
        </p>
      )}
      {result && !result.ok && (
        <div className="import-errors" data-testid="import-errors">
          <p className="form-error">{result.error.inLanguage(language)}</p>
          {result.error.rows && result.error.rows.length > 0 && (
            <table className="data-table">
              <thead>
                <tr>
                  <th>{t('import.row')}</th>
                  <th>{t('import.field')}</th>
                  <th>{t('import.problem')}</th>
                </tr>
              </thead>
              <tbody>
                {result.error.rows.map((row, index) => (
                  <tr key={index}>
                    <td className="mono">{row.row}</td>
                    <td className="mono">{row.field ?? '—'}</td>
                    <td>{importRowMessage(row, language)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
