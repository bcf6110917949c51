// A deadline of an assignment (acknowledge by, arrive by), counting down to the second, then counting
// how late it is; once met, when and by whom. The command room and the field phone show the same.
import { useI18n } from '../i18n.tsx';
import './dispatch.css';
import { useNow } from '../use-now.ts';


/** 0:45, 9:05, 1:02:03: minutes and seconds, hours when there are any. */
export function formatCountdown(milliseconds: number): string {
  const total = Math.max(0, Math.floor(Math.abs(milliseconds) / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

export function Deadline({ label, by, doneAt, doneBy, testId }: { label: string; by: string; doneAt: string | null; doneBy?: string | null; testId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const now = useNow(1000);
  const left = new Date(by).getTime() - now;
  const state = doneAt ? 'done' : left < 0 ? 'overdue' : left < 60_000 ? 'soon' : 'waiting';
  return (
    <div className={`deadline ${state}`} data-testid={testId} data-state={state}>
      <span className="deadline-label">{label}</span>
      {doneAt ? (
        <span className="deadline-value">{doneBy ? t('deadline.doneBy', { time: i18n.time(doneAt), user: doneBy }) : t('deadline.done', { time: i18n.time(doneAt) })}</span>
      ) : (
        <span className="deadline-value">
          {t('deadline.by', { time: i18n.time(by) })}{' '}
          <strong className="deadline-countdown">{left < 0 ? t('deadline.late', { time: formatCountdown(left) }) : t('deadline.left', { time: formatCountdown(left) })}</strong>
        </span>
      )}
    </div>
  );
}
