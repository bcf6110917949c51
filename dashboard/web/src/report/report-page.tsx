// /report: a resident reports a problem in the street. Category as big buttons, up to three photos (shrunk
// on the phone) and one short clip (its length checked here before it is queued), the place from the
// phone's GPS or a pin on a small map (loaded only when asked: MapLibre is most of a megabyte on a weak
// link), a description and an optional contact. Sending goes through the outbox (report-outbox.ts): the
// report is stored on the phone first, then sent, so nothing typed is lost to a dropped connection.
import { lazy, Suspense, useEffect, useRef, useState, useSyncExternalStore, type ChangeEvent, type FormEvent } from 'react';
import { REPORT_CATEGORIES, REPORT_LIMITS, type ReportCategory } from '@cityops/contract/citizen-reports';
import { FieldError } from '../form-errors.tsx';
import { shrinkPhoto } from '../field/photo.ts';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import { Link } from '../router.tsx';
import { Icon, Spinner } from '../ui.tsx';
import { CategoryIcon } from './category-icons.tsx';
import { clipSeconds } from './clip.ts';
import { myReports } from './my-reports.ts';
import { reportOutbox, type QueuedReport, type ReportDraft } from './report-outbox.ts';
import { errorMessage, serverMessage } from '../server-messages.ts';

const PinMap = lazy(() => import('./pin-map.tsx'));

type FormField = 'category' | 'photo' | 'clip' | 'place' | 'description' | 'contact' | 'form';
type Errors = Partial<Record<FormField, string>>;

/** The server names lat and lon; the form shows both as the place. */
const fieldOfServer = (field: string | undefined): FormField => {
  const name = field?.split('.')[0];
  if (name === 'lat' || name === 'lon') return 'place';
  if (name === 'category' || name === 'photo' || name === 'clip' || name === 'description' || name === 'contact') return name;
  return 'form';
};

const PHONE = /^\+?[\d\s().-]{8,20}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface Place {
  lat: number;
  lon: number;
  /** GPS accuracy in metres; none for a pin put on the map. */
  accuracy?: number;
}

interface Media {
  blob: Blob;
  url: string;
}

export const categoryLabel = (category: ReportCategory): MessageKey => `report.category.${category}`;

function useOutboxVersion() {
  return useSyncExternalStore(reportOutbox.subscribe, reportOutbox.getVersion);
}

export function ReportPage() {
  const i18n = useI18n();
  const { t } = i18n;
  useOutboxVersion();
  const [category, setCategory] = useState<ReportCategory>();
  const [photos, setPhotos] = useState<Media[]>([]);
  const [clip, setClip] = useState<Media & { seconds?: number }>();
  const [place, setPlace] = useState<Place>();
  const [description, setDescription] = useState('');
  const [contact, setContact] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [preparing, setPreparing] = useState(false);
  const [locating, setLocating] = useState(false);
  const [showMap, setShowMap] = useState(false);
  /** The refused report being corrected: sending the form replaces it. */
  const [correcting, setCorrecting] = useState<number>();
  const [refusal, setRefusal] = useState<string>();
  /** The report sent last from this form, whose fate the page shows. */
  const [lastId, setLastId] = useState<number>();
  const [busy, setBusy] = useState(false);

  // Object URLs of the previews are released with them.
  const media = useRef<Media[]>([]);
  media.current = [...photos, ...(clip ? [clip] : [])];
  useEffect(() => () => media.current.forEach((item) => URL.revokeObjectURL(item.url)), []);

  const setError = (field: FormField, message: string | undefined) => setErrors((current) => ({ ...current, [field]: message }));

  const load = (report: QueuedReport) => {
    media.current.forEach((item) => URL.revokeObjectURL(item.url));
    setCategory(report.category);
    setPhotos(report.photos.map((blob) => ({ blob, url: URL.createObjectURL(blob) })));
    setClip(report.clip ? { blob: report.clip, url: URL.createObjectURL(report.clip) } : undefined);
    setPlace({ lat: report.lat, lon: report.lon });
    setDescription(report.description);
    setContact(report.contact);
    setCorrecting(report.id);
    const refusal = report.refusal;
    const field = fieldOfServer(refusal?.field);
    const message = refusal && (refusal.status === 413 ? `${t('report.tooLarge')} (${refusal.message})` : errorMessage(refusal));
    setErrors(message ? { [field]: message } : {});
    setRefusal(message);
    setLastId(undefined);
    window.scrollTo({ top: 0 });
  };

  // A report refused while the resident is still here comes back into the form with the server's words.
  const last = lastId === undefined ? undefined : reportOutbox.find(lastId);
  useEffect(() => {
    if (last?.refusal) load(last);
  }, [last?.refusal]);

  const reset = () => {
    media.current.forEach((item) => URL.revokeObjectURL(item.url));
    setCategory(undefined);
    setPhotos([]);
    setClip(undefined);
    setPlace(undefined);
    setDescription('');
    setContact('');
    setErrors({});
    setCorrecting(undefined);
    setRefusal(undefined);
    setShowMap(false);
  };

  const addPhotos = async (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    event.target.value = '';
    if (!files.length) return;
    const room = REPORT_LIMITS.maxPhotos - photos.length;
    setError('photo', files.length > room ? t('report.tooManyPhotos', { max: REPORT_LIMITS.maxPhotos }) : undefined);
    setPreparing(true);
    try {
      const shrunk = await Promise.all(files.slice(0, Math.max(0, room)).map((file) => shrinkPhoto(file)));
      setPhotos((current) => [...current, ...shrunk.map((blob) => ({ blob, url: URL.createObjectURL(blob) }))].slice(0, REPORT_LIMITS.maxPhotos));
    } finally {
      setPreparing(false);
    }
  };

  const removePhoto = (index: number) => {
    URL.revokeObjectURL(photos[index].url);
    setPhotos(photos.filter((_, at) => at !== index));
    setError('photo', undefined);
  };

  const chooseClip = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    if (file.size > REPORT_LIMITS.maxClipBytes) {
      setError('clip', t('report.clipTooLarge', { size: i18n.number(file.size / 1024 / 1024, 1), max: REPORT_LIMITS.maxClipBytes / 1024 / 1024 }));
      return;
    }
    const seconds = await clipSeconds(file);
    if (seconds !== undefined && seconds > REPORT_LIMITS.maxClipSeconds + 0.5) {
      setError('clip', t('report.clipTooLong', { seconds: Math.round(seconds), max: REPORT_LIMITS.maxClipSeconds }));
      return;
    }
    if (clip) URL.revokeObjectURL(clip.url);
    setClip({ blob: file, url: URL.createObjectURL(file), seconds });
    setError('clip', undefined);
  };

  const removeClip = () => {
    if (clip) URL.revokeObjectURL(clip.url);
    setClip(undefined);
    setError('clip', undefined);
  };

  const locate = () => {
    if (!('geolocation' in navigator)) {
      setError('place', t('report.locationDenied'));
      return;
    }
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setLocating(false);
        setPlace({ lat: round6(position.coords.latitude), lon: round6(position.coords.longitude), accuracy: position.coords.accuracy });
        setError('place', undefined);
      },
      () => {
        setLocating(false);
        setError('place', t('report.locationDenied'));
        setShowMap(true);
      },
      { enableHighAccuracy: true, maximumAge: 60_000, timeout: 20_000 },
    );
  };

  const validate = (): Errors => {
    const found: Errors = {};
    if (!category) found.category = t('report.categoryRequired');
    if (!place) found.place = t('report.placeRequired');
    if (description.length > REPORT_LIMITS.descriptionMaxChars) found.description = t('report.descriptionTooLong', { max: REPORT_LIMITS.descriptionMaxChars });
    const trimmed = contact.trim();
    if (trimmed && (trimmed.length > REPORT_LIMITS.contactMaxChars || !(PHONE.test(trimmed) || EMAIL.test(trimmed)))) found.contact = t('report.contactInvalid');
    return found;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length || !category || !place) return;
    const draft: ReportDraft = {
      category,
      lat: place.lat,
      lon: place.lon,
      description: description.trim(),
      contact: contact.trim(),
      photos: photos.map((photo) => photo.blob),
      ...(clip ? { clip: clip.blob } : {}),
    };
    setBusy(true);
    try {
      const id = await reportOutbox.queue(draft, correcting);
      reset();
      setLastId(id);
      window.scrollTo({ top: 0 });
    } catch (error) {
      setError('form', errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const showingLast = lastId !== undefined && (reportOutbox.receipts.has(lastId) || (last !== undefined && !last.refusal));
  const remaining = REPORT_LIMITS.descriptionMaxChars - description.length;
  return (
    <main className="report-main" data-testid="report-page">
      {showingLast && <LastReport id={lastId!} onDismiss={() => setLastId(undefined)} />}
      <StoredReports exclude={[lastId, correcting]} onCorrect={load} />

      {/* Hidden while the report just sent is shown: its code (or that it waits on the phone) is what matters then. */}
      {!showingLast && (
        <form className="report-form" onSubmit={submit} noValidate data-testid="report-form">
          <div>
            <h1>{t('report.title')}</h1>
            <p className="muted">{t('report.intro')}</p>
          </div>
          {correcting !== undefined && (
            <div className="report-note warn" data-testid="report-correcting">
              {refusal && (
                <p>
                  <strong>{t('report.refused')}:</strong> {refusal}
                </p>
              )}
              <p>{t('report.correcting')}</p>
            </div>
          )}

          <fieldset className="report-section">
            <legend>{t('report.category')}</legend>
            <div className="report-categories" role="radiogroup" aria-label={t('report.category')}>
              {REPORT_CATEGORIES.map((option) => (
                <button
                  key={option}
                  type="button"
                  role="radio"
                  aria-checked={category === option}
                  className={`report-category ${category === option ? 'selected' : ''}`}
                  onClick={() => {
                    setCategory(option);
                    setError('category', undefined);
                  }}
                  data-testid={`report-category-${option}`}
                >
                  <CategoryIcon category={option} />
                  <span>{t(categoryLabel(option))}</span>
                </button>
              ))}
            </div>
            <FieldError message={errors.category} testId="report-category-error" />
          </fieldset>

          <fieldset className="report-section">
            <legend>{t('report.photos', { max: REPORT_LIMITS.maxPhotos })}</legend>
            <div className="report-previews">
              {photos.map((photo, index) => (
                <div key={photo.url} className="report-preview" data-testid="report-photo-preview">
                  <img src={photo.url} alt="" />
                  <button type="button" className="report-remove" onClick={() => removePhoto(index)} aria-label={t('report.removePhoto', { number: index + 1 })} data-testid="report-photo-remove">
                    <Icon name="close" size={16} />
                  </button>
                </div>
              ))}
              {photos.length < REPORT_LIMITS.maxPhotos && (
                <label className="report-add">
                  <Icon name="photo" size={26} />
                  <span>{t('report.addPhoto')}</span>
                  <input type="file" accept="image/*" capture="environment" multiple onChange={(event) => void addPhotos(event)} data-testid="report-photo-input" />
                </label>
              )}
            </div>
            {preparing && <Spinner label={t('report.preparingPhotos')} />}
            <FieldError message={errors.photo} testId="report-photo-error" />
          </fieldset>

          <fieldset className="report-section">
            <legend>{t('report.clip', { seconds: REPORT_LIMITS.maxClipSeconds })}</legend>
            {clip ? (
              <div className="report-clip" data-testid="report-clip-preview">
                <video src={clip.url} controls muted playsInline preload="metadata" />
                <div className="report-clip-meta">
                  {clip.seconds !== undefined && <span>{t('report.clipLength', { seconds: Math.round(clip.seconds) })}</span>}
                  <button type="button" className="button ghost small" onClick={removeClip} data-testid="report-clip-remove">
                    {t('report.removeClip')}
                  </button>
                </div>
              </div>
            ) : (
              <label className="report-add wide">
                <Icon name="camera" size={24} />
                <span>{t('report.addClip')}</span>
                <input type="file" accept="video/*" capture="environment" onChange={(event) => void chooseClip(event)} data-testid="report-clip-input" />
              </label>
            )}
            <FieldError message={errors.clip} testId="report-clip-error" />
          </fieldset>

          <fieldset className="report-section">
            <legend>{t('report.place')}</legend>
            <div className="report-place-actions">
              <button type="button" className="button primary" onClick={locate} disabled={locating} data-testid="report-use-location">
                <Icon name="pin" />
                {locating ? t('report.locating') : t('report.useLocation')}
              </button>
              {!showMap && (
                <button type="button" className="button" onClick={() => setShowMap(true)} data-testid="report-pick-on-map">
                  <Icon name="map" />
                  {t('report.pickOnMap')}
                </button>
              )}
            </div>
            {place && (
              <p className="report-place" data-testid="report-place" data-lat={place.lat} data-lon={place.lon}>
                <Icon name="check" size={16} />
                {place.accuracy !== undefined ? t('report.located', { metres: Math.round(place.accuracy) }) : t('report.pinPlaced')}
                <span className="muted small">
                  {' '}
                  {place.lat.toFixed(5)}, {place.lon.toFixed(5)}
                </span>
              </p>
            )}
            {showMap && (
              <Suspense fallback={<Spinner label={t('map.loading')} />}>
                <PinMap
                  place={place}
                  onPick={(lat, lon) => {
                    setPlace({ lat, lon });
                    setError('place', undefined);
                  }}
                />
                <p className="muted small">{t('report.mapHint')}</p>
              </Suspense>
            )}
            <FieldError message={errors.place} testId="report-place-error" />
          </fieldset>

          <fieldset className="report-section">
            <legend>{t('report.description')}</legend>
            <textarea
              rows={4}
              value={description}
              placeholder={t('report.descriptionPlaceholder')}
              onChange={(event) => setDescription(event.target.value)}
              aria-label={t('report.description')}
              data-testid="report-description"
            />
            {/* No maxLength: a pasted text too long is kept whole and the resident shortens it, not cut silently. */}
            {remaining >= 0 ? (
              <span className={`muted small report-count ${remaining < 50 ? 'warn' : ''}`}>{t('report.charsLeft', { count: remaining })}</span>
            ) : (
              <span className="field-error" role="alert" data-testid="report-description-too-long">
                {t('report.descriptionTooLong', { max: REPORT_LIMITS.descriptionMaxChars })}
              </span>
            )}
            <FieldError message={errors.description} testId="report-description-error" />
          </fieldset>

          <fieldset className="report-section">
            <legend>{t('report.contact')}</legend>
            <input
              type="text"
              inputMode="email"
              autoComplete="tel"
              value={contact}
              onChange={(event) => setContact(event.target.value)}
              aria-label={t('report.contact')}
              data-testid="report-contact"
            />
            <span className="muted small">{t('report.contactHint')}</span>
            <FieldError message={errors.contact} testId="report-contact-error" />
          </fieldset>

          {errors.form && (
            <p className="form-error" role="alert" data-testid="report-form-error">
              {errors.form}
            </p>
          )}
          <button type="submit" className="button primary report-send" disabled={busy || preparing} data-testid="report-send">
            {t('report.send')}
          </button>
        </form>
      )}

      <MyReports />
    </main>
  );
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

/** What became of the report just sent: sending, saved on the phone for later, or sent with its code. */
function LastReport({ id, onDismiss }: { id: number; onDismiss(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  useOutboxVersion();
  const receipt = reportOutbox.receipts.get(id);
  const waiting = reportOutbox.find(id);
  if (receipt) {
    const link = new URL(receipt.trackingPath || `/report/${encodeURIComponent(receipt.code)}`, window.location.href);
    return (
      <section className="report-card ok" role="status" data-testid="report-sent" data-code={receipt.code}>
        <h2>
          <Icon name="check" /> {t('report.sent')}
        </h2>
        <p>{t('report.yourCode')}</p>
        <p className="report-code" data-testid="report-code">
          {receipt.code}
        </p>
        <p className="muted small">{t('report.keepCode')}</p>
        <Link to={link.pathname} className="button primary wide" data-testid="report-tracking-link">
          {t('report.track')}
        </Link>
        <p className="muted small report-link">{link.href}</p>
        <button type="button" className="button ghost wide" onClick={onDismiss} data-testid="report-new">
          {t('report.newReport')}
        </button>
      </section>
    );
  }
  if (!waiting || waiting.refusal) return null;
  if (reportOutbox.sendingId === id) {
    return (
      <section className="report-card" role="status" data-testid="report-sending">
        <Spinner label={t('report.sending')} />
      </section>
    );
  }
  return (
    <section className="report-card warn" role="status" data-testid="report-queued">
      <h2>
        <Icon name="download" /> {t('report.queued')}
      </h2>
      <p className="muted">{t('report.queuedDetail')}</p>
      {waiting.lastError && <p className="muted small">{waiting.lastError}</p>}
      {reportOutbox.retryAt && navigator.onLine && <p className="muted small">{t('report.retryAt', { time: i18n.timeSeconds(reportOutbox.retryAt) })}</p>}
      <button type="button" className="button wide" onClick={() => void reportOutbox.flush()} data-testid="report-send-now">
        <Icon name="refresh" /> {t('report.sendNow')}
      </button>
      <button type="button" className="button ghost wide" onClick={onDismiss} data-testid="report-new">
        {t('report.newReport')}
      </button>
    </section>
  );
}

/** Reports stored on this phone other than the one shown above: waiting to go out, or refused and waiting to be corrected. */
function StoredReports({ exclude, onCorrect }: { exclude: (number | undefined)[]; onCorrect(report: QueuedReport): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  useOutboxVersion();
  const shown = reportOutbox.reports.filter((report) => !exclude.includes(report.id));
  const refused = shown.filter((report) => report.refusal);
  const waiting = shown.filter((report) => !report.refusal);
  if (!shown.length) return null;
  return (
    <>
      {refused.length > 0 && (
        <section className="report-card bad" data-testid="report-refused-list">
          <h2>{t('report.needsCorrection', { count: refused.length })}</h2>
          {refused.map((report) => (
            <div key={report.id} className="report-stored" data-testid="report-refused" data-report-id={report.id}>
              <strong>
                {t(categoryLabel(report.category))} · {i18n.dateTime(report.takenAt)}
              </strong>
              <p className="error-text" data-testid="report-refusal-message">
                {report.refusal!.status === 413 ? `${t('report.tooLarge')} (${report.refusal!.message})` : serverMessage(report.refusal!, i18n.language)}
              </p>
              <p className="muted small">{t('report.refusedKept')}</p>
              <div className="report-row">
                <button type="button" className="button primary" onClick={() => onCorrect(report)} data-testid="report-correct">
                  {t('report.correct')}
                </button>
                <button
                  type="button"
                  className="button ghost"
                  onClick={() => {
                    if (window.confirm(t('report.discardConfirm'))) void reportOutbox.discard(report.id);
                  }}
                  data-testid="report-discard"
                >
                  {t('report.discard')}
                </button>
              </div>
            </div>
          ))}
        </section>
      )}
      {waiting.length > 0 && (
        <section className="report-card warn" data-testid="report-waiting-list" data-count={waiting.length}>
          <h2>{t('report.waiting', { count: waiting.length })}</h2>
          {waiting.map((report) => (
            <div key={report.id} className="report-stored" data-testid="report-waiting">
              <strong>
                {t(categoryLabel(report.category))} · {i18n.dateTime(report.takenAt)}
              </strong>
              {reportOutbox.sendingId === report.id ? <Spinner label={t('report.sending')} /> : <span className="muted small">{t('report.queued')}</span>}
            </div>
          ))}
          <button type="button" className="button wide" onClick={() => void reportOutbox.flush()}>
            <Icon name="refresh" /> {t('report.sendNow')}
          </button>
        </section>
      )}
    </>
  );
}

function MyReports() {
  const i18n = useI18n();
  const { t } = i18n;
  // Re-read when a report goes out (the outbox adds to the list).
  useOutboxVersion();
  const reports = myReports();
  return (
    <section className="report-section report-mine" data-testid="report-mine">
      <h2>{t('report.myReports')}</h2>
      {reports.length === 0 ? (
        <p className="muted small">{t('report.myReportsNone')}</p>
      ) : (
        <ul>
          {reports.map((report) => (
            <li key={report.code}>
              <Link to={`/report/${encodeURIComponent(report.code)}`} data-testid="report-mine-link" data-code={report.code}>
                <CategoryIcon category={report.category} size={22} />
                <span>
                  <strong>{report.code}</strong>
                  <small>
                    {t(categoryLabel(report.category))} · {i18n.dateTime(report.takenAt)}
                  </small>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
