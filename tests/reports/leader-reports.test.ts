// Reports for leaders through the REST API and the schedule: a day of known alerts, vehicle counts,
// tide and rain readings is seeded; the report made on demand says those figures in its CSV and its PDF
// (read back with pdftotext, pages rendered with pdftoppm into tests/artifacts/screenshots to look at),
// in Vietnamese and English; the schedule makes each report once even when two passes run at once;
// field teams are refused.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { runReportSchedule } from '../../dashboard/server/leader-reports/schedule.ts';
import type { LeaderReport } from '../../contract/leader-reports.ts';

const run = promisify(execFile);
const SCREENSHOTS = path.resolve('tests/artifacts/screenshots');

let test: TestDatabase;
let api: TestApi;

/** The city day 2026-01-05 (a Monday) is [2026-01-04T17:00Z, 2026-01-05T17:00Z). */
const DAY = '2026-01-05';
const at = (time: string) => new Date(`${DAY}T${time}Z`);

async function seed() {
  const { db } = test;
  await db.query(`INSERT INTO districts (id, name, name_en) VALUES ('q-binh-thanh', 'Quận Bình Thạnh', 'Binh Thanh District'), ('q-1', 'Quận 1', 'District 1')`);
  let source = 0;
  const alert = (kind: string, severity: string, district: string, firstSeen: Date) =>
    db.query(
      `INSERT INTO alerts (kind, severity, source_type, source_id, title_vi, title_en, district_id, first_seen_at, last_seen_at)
       VALUES ($1, $2, 'camera', $3, 'Cảnh báo', 'Alert', $4, $5, $5)`,
      [kind, severity, `src-${source++}`, district, firstSeen],
    );
  for (let index = 0; index < 3; index++) await alert('congestion', 'major', 'q-binh-thanh', at(`0${index + 1}:00:00`));
  await alert('crowd', 'minor', 'q-binh-thanh', at('04:00:00'));
  await alert('sensor_level', 'critical', 'q-1', at('05:00:00'));
  // 23:59 the evening before in the city: not in the day.
  await alert('congestion', 'major', 'q-1', new Date('2026-01-04T16:59:00Z'));

  // 08:30 city time: 10 cars and 5 + 3 motorcycles (the detector's two names for them); one count the day before.
  await db.query(`INSERT INTO cameras (id, name, rtsp_url, lat, lon, district_id) VALUES ('cam-1', 'Ngã tư Hàng Xanh', 'rtsp://127.0.0.1/x', 10.80, 106.71, 'q-binh-thanh')`);
  await db.query(
    `INSERT INTO traffic_counts (camera_id, line_id, minute, class, direction, count) VALUES
       ('cam-1', 'l1', $1, 'car', '+', 10), ('cam-1', 'l1', $1, 'motorbike', '+', 5), ('cam-1', 'l1', $1, 'motorcycle', '-', 3),
       ('cam-1', 'l1', '2026-01-04T16:59:00Z', 'car', '+', 100)`,
    [at('01:30:00')],
  );

  // A tide gauge peaking at 165 cm (over alarm level 2 at 160) and a rain gauge with 2.5 + 4 mm.
  await db.query(
    `INSERT INTO sensors (id, name, name_en, kind, unit, district_id, level1, level2, level3, expected_interval_seconds) VALUES
       ('tide-nb', 'Trạm triều Nhà Bè', 'Nha Be tide gauge', 'tide_level', 'cm', 'q-binh-thanh', 150, 160, 170, 3600),
       ('rain-1', 'Trạm mưa Bình Thạnh', 'Binh Thanh rain gauge', 'rainfall', 'mm', 'q-binh-thanh', NULL, NULL, NULL, 3600)`,
  );
  await db.query(
    `INSERT INTO sensor_readings (sensor_id, ts, value) VALUES
       ('tide-nb', $1, 140), ('tide-nb', $2, 165), ('tide-nb', $3, 120), ('rain-1', $1, 2.5), ('rain-1', $2, 4)`,
    [at('01:00:00'), at('02:00:00'), at('03:00:00')],
  );
}

const generate = async (body: unknown, role: 'operator' | 'viewer' | 'field' = 'viewer') => api.request('POST', '/api/leader-reports', { role, body });
const download = async (id: number, format: 'pdf' | 'csv') => {
  const response = await api.request('GET', `/api/leader-reports/${id}/${format}`, { role: 'viewer' });
  expect(response.status).toBe(200);
  return { headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
};
/** The CSV as `section|key|measure` → [label, value]. */
const csvFigures = (bytes: Buffer) => {
  const lines = bytes.toString('utf8').replace(/^\uFEFF/, '').trimEnd().split('\r\n');
  expect(lines[0]).toBe('section,key,label,measure,value');
  return new Map(
    lines.slice(1).map((line) => {
      const [section, key, label, measure, value] = line.split(',');
      return [`${section}|${key}|${measure}`, [label, value]];
    }),
  );
};

async function pdfText(pdf: Buffer, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.pdf`);
  await writeFile(file, pdf);
  // The pages as images, to look at (the charts, the Vietnamese letters).
  await run('pdftoppm', ['-png', '-r', '70', file, path.join(SCREENSHOTS, name)]);
  return (await run('pdftotext', ['-layout', file, '-'])).stdout;
}

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  await seed();
});

afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('a report made on demand', () => {
  it('says the day\'s figures in Vietnamese, in its CSV and its PDF', async () => {
    const response = await generate({ kind: 'daily', day: DAY, language: 'vi' });
    expect(response.status).toBe(201);
    const { report } = (await response.json()) as { report: LeaderReport };
    expect(report).toMatchObject({ kind: 'daily', language: 'vi', day: DAY, from: '2026-01-04T17:00:00.000Z', to: '2026-01-05T17:00:00.000Z', createdBy: 'viewer-user' });

    const csv = await download(report.id, 'csv');
    expect(csv.headers.get('content-disposition')).toContain(`cityops-daily-report-${DAY}-vi.csv`);
    const figures = csvFigures(csv.bytes);
    expect(figures.get('alerts|*|alerts')?.[1]).toBe('5');
    expect(figures.get('alerts_by_kind|congestion|alerts')).toEqual(['Ùn tắc giao thông', '3']);
    expect(figures.get('alerts_by_district|q-binh-thanh|alerts')).toEqual(['Quận Bình Thạnh', '4']);
    expect(figures.get('alerts_by_district|q-1|alerts')).toEqual(['Quận 1', '1']);
    expect(figures.get('alerts_by_severity|critical|alerts')).toEqual(['Khẩn cấp', '1']);
    expect(figures.get('traffic_by_hour|08|car')).toEqual(['Ô tô', '10']);
    expect(figures.get('traffic_by_hour|08|motorcycle')).toEqual(['Xe máy', '8']);
    expect(figures.get('traffic_by_hour|00|car')).toEqual(['Ô tô', '0']);
    expect(figures.get('water_level_peak|tide-nb|peak_cm')).toEqual(['Trạm triều Nhà Bè', '165']);
    expect(figures.get('water_level_peak|tide-nb|level_reached')?.[1]).toBe('2');
    expect(figures.get('rainfall|rain-1|total_mm')?.[1]).toBe('6.5');
    expect(figures.get('devices|sensors|readings')?.[1]).toBe('5');

    const pdf = await download(report.id, 'pdf');
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(pdf.bytes, 'leader-report-daily-vi');
    for (const words of ['Báo cáo vận hành ngày', 'Cảnh báo theo quận', 'Quận Bình Thạnh', 'Ùn tắc giao thông', 'Đỉnh mức triều', 'Trạm triều Nhà Bè', 'Lượng mưa', 'Xe máy']) {
      expect(text, words).toContain(words);
    }
  });

  it('says them in English with the English names', async () => {
    const response = await generate({ kind: 'daily', day: DAY, language: 'en' }, 'operator');
    expect(response.status).toBe(201);
    const { report } = (await response.json()) as { report: LeaderReport };
    const figures = csvFigures((await download(report.id, 'csv')).bytes);
    expect(figures.get('alerts_by_district|q-binh-thanh|alerts')).toEqual(['Binh Thanh District', '4']);
    expect(figures.get('water_level_peak|tide-nb|peak_cm')).toEqual(['Nha Be tide gauge', '165']);
    const text = await pdfText((await download(report.id, 'pdf')).bytes, 'leader-report-daily-en');
    for (const words of ['Daily operations report', 'Alerts by district', 'Binh Thanh District', 'Traffic congestion', 'Tide and water level peaks', 'Nha Be tide gauge', 'Rainfall']) {
      expect(text, words).toContain(words);
    }
  });

  it('replaces the one made before for the same period and language, and is audited', async () => {
    const again = await generate({ kind: 'daily', day: DAY, language: 'vi' }, 'operator');
    expect(again.status).toBe(201);
    const list = (await (await api.request('GET', '/api/leader-reports', { role: 'viewer' })).json()) as { reports: LeaderReport[] };
    expect(list.reports.filter((report) => report.kind === 'daily' && report.day === DAY).map((report) => report.language).sort()).toEqual(['en', 'vi']);
    const audit = await test.db.query(`SELECT username FROM audit_log WHERE action = 'generate' AND entity_type = 'leader_report' ORDER BY id`);
    expect(audit.rows.map((row) => row.username)).toEqual(['viewer-user', 'operator-user', 'operator-user']);
  });

  it('refuses a period that has not started, a day that is no day, field teams and strangers', async () => {
    const future = await generate({ kind: 'daily', day: '2999-01-01', language: 'vi' });
    expect(future.status).toBe(400);
    expect(((await future.json()) as { error: { code: string; field?: string } }).error).toMatchObject({ code: 'invalid', field: 'day' });
    expect((await generate({ kind: 'daily', day: '5 January', language: 'vi' })).status).toBe(400);
    expect((await generate({ kind: 'daily', day: DAY, language: 'vi' }, 'field')).status).toBe(403);
    expect((await api.request('GET', '/api/leader-reports', { role: 'field' })).status).toBe(403);
    expect((await api.request('GET', '/api/leader-reports')).status).toBe(401);
    expect((await api.request('GET', '/api/leader-reports/999999/pdf', { role: 'viewer' })).status).toBe(404);
  });
});

describe('the schedule', () => {
  // Monday 2026-01-12, 00:45 in the city: the day before (Sunday 11th) and the week of 5–11 January are due.
  const MONDAY_NIGHT = new Date('2026-01-11T17:45:00Z');

  it('makes the last day\'s and the last week\'s reports once, in both languages, even from two passes at once', async () => {
    const passes = await Promise.all([runReportSchedule(test.db, MONDAY_NIGHT), runReportSchedule(test.db, MONDAY_NIGHT)]);
    const later = await runReportSchedule(test.db, new Date(MONDAY_NIGHT.getTime() + 15 * 60_000));
    const made = [...passes.flat(), ...later];
    expect(made.map((report) => `${report.kind} ${report.day} ${report.language}`).sort()).toEqual([
      'daily 2026-01-11 en',
      'daily 2026-01-11 vi',
      'weekly 2026-01-05 en',
      'weekly 2026-01-05 vi',
    ]);
    const stored = await test.db.query(`SELECT kind, count(*)::int AS n FROM leader_reports WHERE created_by IS NULL GROUP BY kind ORDER BY kind`);
    expect(stored.rows).toEqual([{ kind: 'daily', n: 2 }, { kind: 'weekly', n: 2 }]);

    // The week holds the seeded Monday.
    const weekly = made.find((report) => report.kind === 'weekly' && report.language === 'vi')!;
    expect(weekly).toMatchObject({ from: '2026-01-04T17:00:00.000Z', to: '2026-01-11T17:00:00.000Z' });
    const figures = csvFigures((await download(weekly.id, 'csv')).bytes);
    expect(figures.get('alerts_by_district|q-binh-thanh|alerts')).toEqual(['Quận Bình Thạnh', '4']);
    const text = await pdfText((await download(weekly.id, 'pdf')).bytes, 'leader-report-weekly-vi');
    expect(text).toContain('Báo cáo vận hành tuần');
  });

  it('waits until half past midnight for the day just over', async () => {
    // 00:10 on Tuesday 13th: Monday 12th ended only ten minutes ago (late readings may still come).
    expect(await runReportSchedule(test.db, new Date('2026-01-12T17:10:00Z'))).toEqual([]);
    // 00:35: its report is made.
    const made = await runReportSchedule(test.db, new Date('2026-01-12T17:35:00Z'));
    expect(made.map((report) => `${report.kind} ${report.day}`)).toEqual(['daily 2026-01-12', 'daily 2026-01-12']);
  });
});
