// zod schemas of the residents' reports API: request checks and the OpenAPI document at /api/docs. The
// types they answer with are contract/citizen-reports.ts (the web reads the same).
import { z } from 'zod';
import { PUBLIC_REPORT_STATES, REPORT_CATEGORIES, REPORT_LIMITS, type PublicReportView, type ReportReceipt, type ReportView } from '@cityops/contract/citizen-reports';

const isoTime = z.string();
const rating = z.object({ stars: z.number().int(), comment: z.string().nullable(), at: isoTime }).nullable();

export const receiptSchema = z.object({ code: z.string(), trackingPath: z.string(), state: z.enum(PUBLIC_REPORT_STATES) }) satisfies z.ZodType<ReportReceipt>;

export const publicReportSchema = z.object({
  code: z.string(),
  category: z.enum(REPORT_CATEGORIES),
  description: z.string(),
  lat: z.number(),
  lon: z.number(),
  districtName: z.string().nullable(),
  submittedAt: isoTime,
  state: z.enum(PUBLIC_REPORT_STATES),
  handledBy: z.string().nullable(),
  reportedBy: z.number().int(),
  photoPaths: z.array(z.string()),
  clipPath: z.string().nullable(),
  resolution: z.object({ at: isoTime, note: z.string().nullable(), photoPath: z.string().nullable() }).nullable(),
  rejection: z.object({ at: isoTime, reason: z.string() }).nullable(),
  rating,
}) satisfies z.ZodType<PublicReportView>;

export const reportViewSchema = z.object({
  id: z.number().int(),
  code: z.string(),
  incidentId: z.number().int(),
  category: z.enum(REPORT_CATEGORIES),
  description: z.string(),
  lat: z.number(),
  lon: z.number(),
  districtId: z.string().nullable(),
  submittedAt: isoTime,
  receivedAt: isoTime,
  contact: z.string().nullable(),
  contactDeletedAt: isoTime.nullable(),
  photoCount: z.number().int(),
  hasClip: z.boolean(),
  rejectedAt: isoTime.nullable(),
  rejectedBy: z.string().nullable(),
  rejectionReason: z.string().nullable(),
  rating,
  publicState: z.enum(PUBLIC_REPORT_STATES),
}) satisfies z.ZodType<ReportView>;

const commaList = z.string().transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean));

export const reportListQuery = z.object({
  incident: z.coerce.number().int().positive().optional().describe('only the reports of this incident'),
  category: commaList.pipe(z.array(z.enum(REPORT_CATEGORIES))).optional().describe('comma-separated categories'),
  district: commaList.pipe(z.array(z.string().max(64))).optional().describe('comma-separated district ids'),
  rejected: z.enum(['true', 'false']).transform((text) => text === 'true').optional().describe('true: only rejected; false: only accepted'),
  before: z.coerce.number().int().positive().optional().describe('next page: reports with a smaller id'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const rejectBody = z.object({
  reason: z.string().trim().min(3, 'say why, in a few words the resident will read').max(500),
});

export const ratingBody = z.object({
  stars: z.number().int().min(1, 'from 1 to 5 stars').max(5, 'from 1 to 5 stars'),
  comment: z.string().max(REPORT_LIMITS.commentMaxChars).optional(),
});
