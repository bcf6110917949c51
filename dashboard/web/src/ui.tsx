// Small shared pieces of the operator theme: logo, icons, badges, empty and unavailable states.
import type { ReactNode } from 'react';
import { useI18n } from './i18n.tsx';
import type { MessageKey } from './messages.ts';
import { errorMessage } from './server-messages.ts';

export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 48 48" aria-hidden className="logo">
      <defs>
        <linearGradient id="logo-gradient" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#38e1ff" />
          <stop offset="1" stopColor="#3b82f6" />
        </linearGradient>
      </defs>
      <rect x="2" y="2" width="44" height="44" rx="11" fill="#0e1a2f" stroke="url(#logo-gradient)" strokeWidth="2.5" />
      <path d="M10 34 L10 22 L16 22 L16 34 M19 34 L19 14 L26 14 L26 34 M29 34 L29 19 L35 19 L35 34 M8 36 L40 36" stroke="url(#logo-gradient)" strokeWidth="2.5" fill="none" strokeLinejoin="round" />
      <circle cx="36" cy="11" r="4" fill="#ff4d5e" />
    </svg>
  );
}

const ICON_PATHS: Record<string, string> = {
  map: 'M9 4 3 6v14l6-2 6 2 6-2V4l-6 2-6-2Zm0 0v14m6-12v14',
  alert: 'M12 3 2 20h20L12 3Zm0 6v5m0 3v.5',
  sensor: 'M12 3c-3 4-6 7.5-6 11a6 6 0 0 0 12 0c0-3.5-3-7-6-11Z',
  traffic: 'M4 17h16M6 17l1.5-6h9L18 17M8 20a1 1 0 1 0 0-.01M16 20a1 1 0 1 0 0-.01M9 11l1-4h4l1 4',
  tools: 'M14 7a4 4 0 0 0-5.3 5.3L3 18l3 3 5.7-5.7A4 4 0 0 0 17 10l-2.5 2.5-3-3L14 7Z',
  camera: 'M3 7h12v10H3zM15 10l6-3v10l-6-3',
  chart: 'M4 20V11m6 9V5m6 15v-6m4 6H2',
  download: 'M12 4v11m-5-5 5 5 5-5M4 20h16',
  wall: 'M3 4h18v12H3zM8 20h8M12 16v4',
  field: 'M12 21s-7-6.5-7-12a7 7 0 0 1 14 0c0 5.5-7 12-7 12Zm0-9a3 3 0 1 0 0-6 3 3 0 0 0 0 6Z',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10',
  check: 'M5 12l5 5 9-10',
  search: 'M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14Zm5-2 5 5',
  log: 'M6 3h9l4 4v14H6zM9 11h7M9 15h7M9 7h3',
  close: 'M6 6l12 12M18 6 6 18',
  user: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm-8 9a8 8 0 0 1 16 0',
  sound: 'M4 9h4l5-4v14l-5-4H4V9Zm13 0a4 4 0 0 1 0 6',
  mute: 'M4 9h4l5-4v14l-5-4H4V9Zm12 0 5 6m0-6-5 6',
  upload: 'M12 16V4m-5 5 5-5 5 5M4 20h16',
  plus: 'M12 5v14M5 12h14',
  pin: 'M12 21s-6-5.5-6-11a6 6 0 0 1 12 0c0 5.5-6 11-6 11Z',
  refresh: 'M20 11a8 8 0 1 0-2.3 5.7M20 5v6h-6',
  photo: 'M4 7h4l2-3h4l2 3h4v13H4V7Zm8 10a4 4 0 1 0 0-8 4 4 0 0 0 0 8Z',
  health: 'M3 12h4l3-7 4 14 3-7h4',
  phone: 'M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2Z',
  incident: 'M4 20h16M6 20V10l6-6 6 6v10M12 10v4m0 3v.5',
  sun: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v2m0 16v2M4.9 4.9l1.4 1.4m11.4 11.4 1.4 1.4M2 12h2m16 0h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4',
  moon: 'M20 14.5A8 8 0 0 1 9.5 4 8 8 0 1 0 20 14.5z',
  keyboard: 'M3 6h18v12H3zM7 10h.01M11 10h.01M15 10h.01M7 14h10',
};

export function Icon({ name, size = 18, className = '' }: { name: keyof typeof ICON_PATHS | string; size?: number; className?: string }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden className={`icon ${className}`} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
      <path d={ICON_PATHS[name] ?? ICON_PATHS.alert} />
    </svg>
  );
}

export function EmptyState({ icon = 'check', title, detail, children }: { icon?: string; title: string; detail?: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <Icon name={icon} size={32} />
      <div className="empty-title">{title}</div>
      {detail && <div className="empty-detail">{detail}</div>}
      {children}
    </div>
  );
}

/** A part of CityOps that is not running or not deployed: say so plainly instead of an empty box. */
export function Unavailable({ what }: { what: MessageKey }) {
  const { t } = useI18n();
  return <EmptyState icon="alert" title={t('common.unavailable', { what: t(what) })} detail={t('common.unavailableDetail')} />;
}

export function Spinner({ label }: { label?: string }) {
  return (
    <div className="spinner-row" role="status">
      <span className="spinner" />
      {label && <span>{label}</span>}
    </div>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  const { language } = useI18n();
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {errorMessage(error, language)}
    </p>
  );
}
