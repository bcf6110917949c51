// A district picker over the districts the live registry knows, with "none" first. Used wherever a
// device, a team or a hotline call is placed in a district.
import { useI18n } from './i18n.tsx';
import { useLive } from './live/live-context.tsx';

export function DistrictSelect({ value, onChange, testId }: { value: string; onChange: (event: { target: { value: string } }) => void; testId?: string }) {
  const { t, name: nameOf } = useI18n();
  const live = useLive();
  return (
    <select value={value} onChange={onChange} data-testid={testId}>
      <option value="">{t('engineer.noDistrict')}</option>
      {live.districts.map((district) => (
        <option key={district.id} value={district.id}>
          {nameOf(district)}
        </option>
      ))}
    </select>
  );
}
