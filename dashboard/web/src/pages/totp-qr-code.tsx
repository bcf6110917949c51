// The otpauth:// URI as a QR code, for the phone's authenticator app to scan. Drawn here as an SVG by
// the `qrcode` package (MIT), loaded only when an enrolment starts: the secret never leaves the page
// for a QR service, and the command room has no internet anyway.
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n.tsx';

export function TotpQrCode({ uri }: { uri: string }) {
  const { t } = useI18n();
  const [svg, setSvg] = useState<string>();
  useEffect(() => {
    let cancelled = false;
    void import('qrcode')
      // Level M (15 % recovery) keeps the code small enough for a phone at arm's length; margin 2 modules
      // of white is what scanners need against the dark theme around it.
      .then((qrcode) => qrcode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } }))
      .then((drawn) => !cancelled && setSvg(drawn))
      .catch(() => !cancelled && setSvg(undefined));
    return () => {
      cancelled = true;
    };
  }, [uri]);
  if (!svg) return null;
  return <img className="totp-qr" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`} alt={t('totp.qrAlt')} width={180} height={180} data-testid="totp-qr" />;
}
