// A drawing per report category, so the big buttons read at a glance before the label (24 × 24 strokes,
// like ui.tsx's icons; no emoji font needed on the phone).
import type { ReportCategory } from '@cityops/contract/citizen-reports';

const PATHS: Record<ReportCategory, string> = {
  flooding: 'M3 14c2 0 2-1.5 4.5-1.5S9.5 14 12 14s2.5-1.5 4.5-1.5S19 14 21 14M3 19c2 0 2-1.5 4.5-1.5S9.5 19 12 19s2.5-1.5 4.5-1.5S19 19 21 19M12 3c-2 3-3.5 4.8-3.5 6.5a3.5 3.5 0 0 0 7 0C15.5 7.8 14 6 12 3Z',
  traffic_accident: 'M3 16h13M5 16l1.5-5h7l1.5 5M7 19a1 1 0 1 0 0-.01M14 19a1 1 0 1 0 0-.01M18 4l1 3 3 .5-2.3 2 .8 3-2.5-1.6-2.5 1.6.8-3-2.3-2 3-.5 1-3Z',
  traffic_jam: 'M2 11h9M3 11l1-4h5l1 4M4 13.5a1 1 0 1 0 0-.01M9 13.5a1 1 0 1 0 0-.01M13 18h9M14 18l1-4h5l1 4M15 20.5a1 1 0 1 0 0-.01M20 20.5a1 1 0 1 0 0-.01',
  fallen_tree: 'M3 20h18M5 17l11-6M16 11a4 4 0 1 0-3-6.5A3.5 3.5 0 0 0 9 8.5M5 17l-1.5 3M9 15l1 5',
  broken_streetlight: 'M8 21V6a3 3 0 0 1 3-3h4M15 3v3h5l-2.5 3h-5L15 6M6 21h4M17 12l-1 2.5M20 12l1 2.5',
  sidewalk_encroachment: 'M3 20h18M3 16h18M6 16V9h7v7M6 9l3.5-4L13 9M16 16v-5h4v5',
  illegal_parking: 'M5 3h14v18H5zM10 17V7h3a3 3 0 0 1 0 6h-3M4 4l16 16',
  garbage: 'M4 7h16M9 7V4h6v3M6 7l1 14h10l1-14M10 11v6M14 11v6',
  fire_smoke: 'M12 21a6 6 0 0 0 6-6c0-4-3-6-4-10-1.5 2-2 3.5-2 5-1-1-1.5-2-1.5-3C8 9 6 11.5 6 15a6 6 0 0 0 6 6Zm0 0a2.5 2.5 0 0 0 2.5-2.5c0-1.5-1.5-2.5-2.5-4-1 1.5-2.5 2.5-2.5 4A2.5 2.5 0 0 0 12 21Z',
  other: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18ZM9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6M12 17v.5',
};

export function CategoryIcon({ category, size = 30 }: { category: ReportCategory; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden className="icon" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round">
      <path d={PATHS[category]} />
    </svg>
  );
}
