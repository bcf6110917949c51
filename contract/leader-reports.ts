// Reports for leaders: the daily and weekly operations reports (PDF and CSV), as the reports page lists
// them. The server (dashboard/server/leader-reports) and the web read this vocabulary.
import { z } from 'zod';

export const LEADER_REPORT_KINDS = ['daily', 'weekly'] as const;
export type LeaderReportKind = (typeof LEADER_REPORT_KINDS)[number];

export const REPORT_LANGUAGES = ['vi', 'en'] as const;
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number];

/** The city's clock: report days start at midnight here (Vietnam keeps UTC+7 all year). */
export const CITY_TIME_ZONE = 'Asia/Ho_Chi_Minh';

export const leaderReportSchema = z.object({
  id: z.number().int(),
  kind: z.enum(LEADER_REPORT_KINDS),
  language: z.enum(REPORT_LANGUAGES),
  /** The period [from, to): a city day, or a week from Monday. */
  from: z.string(),
  to: z.string(),
  /** The first day of the period in city time (yyyy-mm-dd). */
  day: z.string(),
  createdAt: z.string(),
  /** Who asked for it; null when the schedule made it. */
  createdBy: z.string().nullable(),
  pdfBytes: z.number().int(),
  csvBytes: z.number().int(),
});
export type LeaderReport = z.infer<typeof leaderReportSchema>;

export const leaderReportListSchema = z.object({ reports: z.array(leaderReportSchema) });
export type LeaderReportList = z.infer<typeof leaderReportListSchema>;
