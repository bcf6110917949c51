// A still image (alert evidence or a camera's latest frame) with a plain message when there is none.
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n.tsx';

export function Snapshot({ src, alt, refreshMs }: { src: string; alt: string; refreshMs?: number }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    setFailed(false);
    if (!refreshMs) return;
    const timer = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(timer);
  }, [src, refreshMs]);
  const url = refreshMs ? `${src}${src.includes('?') ? '&' : '?'}t=${tick}` : src;
  return (
    <div className={`snapshot ${failed ? 'missing' : ''}`}>
      {failed ? <span className="muted">{t('snapshot.none')}</span> : <img src={url} alt={alt} onError={() => setFailed(true)} onLoad={() => setFailed(false)} />}
    </div>
  );
}
