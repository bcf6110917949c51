// Everything translated (#17 part 5): every code the server can send a screen has a Vietnamese and an
// English text in the web (dashboard/web/src/server-messages.ts). The code lists live in contract/; this
// test fails when a listed code has no text, when production code answers with a code no list holds,
// and when a real refusal of the API (a bad import) carries a reason the web cannot word.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAMERA_STATUS_REASONS,
  EDGE_ERROR_CODES,
  IMPORT_ROW_REASONS,
  REFUSAL_REASONS,
  REQUEST_ERROR_CODES,
  REQUEST_REASONS,
  SLOT_NOTICE_CODES,
  THINGS,
  UNITS,
  type CameraStatusReason,
  type RefusalReasonCode,
  type SlotNoticeCode,
} from '../../contract/server-codes.ts';
import { WORKER_ERROR_CODES } from '../../core/errors.ts';
import type { CameraReason } from '../../ingest/camera/pipeline.ts';
import type { SchedulerNotice } from '../../analytics/slots/scheduler.ts';
import {
  cameraStatusTexts,
  errorCodeTexts,
  importRowMessage,
  importRowReasonTexts,
  limitTexts,
  refusalReasonTexts,
  requestReasonTexts,
  thingTexts,
  unitTexts,
  serverMessage,
  slotNoticeMessage,
  slotNoticeTexts,
  type ServerText,
} from '../../dashboard/web/src/server-messages.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

// The lists must hold every code the types allow: a new zod issue kind, slot notice or camera reason
// that the list lacks does not compile.
type ZodIssueCode = z.core.$ZodIssue['code'];
const zodCodesListed: readonly RefusalReasonCode[] = [] as ZodIssueCode[];
const listedAreZodCodes: readonly ZodIssueCode[] = REFUSAL_REASONS;
const noticesListed: readonly SlotNoticeCode[] = [] as SchedulerNotice['code'][];
const cameraReasonsListed: readonly CameraStatusReason[] = [] as CameraReason[];
void [zodCodesListed, listedAreZodCodes, noticesListed, cameraReasonsListed];

const ROOT = path.resolve(import.meta.dirname, '../..');
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

const LISTS: { name: string; codes: readonly string[]; texts: Record<string, ServerText> }[] = [
  { name: 'request error codes', codes: REQUEST_ERROR_CODES, texts: errorCodeTexts },
  { name: 'edge error codes', codes: EDGE_ERROR_CODES, texts: errorCodeTexts },
  { name: 'refusal reasons', codes: REFUSAL_REASONS, texts: refusalReasonTexts },
  { name: 'import row reasons', codes: IMPORT_ROW_REASONS, texts: importRowReasonTexts },
  { name: 'request reasons', codes: Object.keys(REQUEST_REASONS), texts: requestReasonTexts },
  { name: 'slot notice codes', codes: SLOT_NOTICE_CODES, texts: slotNoticeTexts },
  { name: 'camera status reasons', codes: CAMERA_STATUS_REASONS, texts: cameraStatusTexts },
];

describe('server message texts', () => {
  it('has a Vietnamese and an English text for every code of every list', () => {
    const missing: string[] = [];
    for (const list of LISTS) {
      for (const code of list.codes) {
        const text = Object.hasOwn(list.texts, code) ? list.texts[code] : undefined;
        if (!text?.vi.trim()) missing.push(`${list.name}: ${code} (vi)`);
        if (!text?.en.trim()) missing.push(`${list.name}: ${code} (en)`);
      }
    }
    // The names of what was refused, and units: words, some the same in both languages ("camera").
    for (const [name, codes, texts] of [['things', THINGS, thingTexts], ['units', UNITS, unitTexts]] as const) {
      for (const code of codes) if (!(texts as Record<string, ServerText>)[code]?.vi.trim() || !(texts as Record<string, ServerText>)[code]?.en.trim()) missing.push(`${name}: ${code}`);
    }
    expect(missing).toEqual([]);
  });

  it('words a request reason only with the parameters its contract line names', () => {
    for (const [reason, names] of Object.entries(REQUEST_REASONS)) expect(names, reason).toEqual(expect.arrayContaining(placeholders(requestReasonTexts[reason as keyof typeof REQUEST_REASONS].en)));
  });

  it('says the same in both languages: the same parameters, and Vietnamese that is not the English left in place', () => {
    for (const texts of [...LISTS.map((list) => list.texts), limitTexts as Record<string, ServerText>]) {
      for (const [code, text] of Object.entries(texts)) {
        expect(placeholders(text.vi), code).toEqual(placeholders(text.en));
        expect(text.vi, code).not.toBe(text.en);
      }
    }
  });

  it('words a refused value in Vietnamese from its reason and limits, and keeps the server English in English', () => {
    const tooBig = { code: 'invalid', message: 'lat: Too big: expected number to be <=90', field: 'lat', reason: 'too_big', params: { origin: 'number', maximum: 90, inclusive: true } };
    expect(serverMessage(tooBig, 'vi')).toBe('lat: phải nhỏ hơn hoặc bằng 90');
    expect(serverMessage(tooBig, 'en')).toBe(tooBig.message);
    expect(serverMessage({ code: 'invalid', message: 'name: Too small', field: 'name', reason: 'too_small', params: { origin: 'string', minimum: 1 } }, 'vi')).toBe('name: không được để trống');
    expect(serverMessage({ code: 'invalid', message: 'x', field: 'kind', reason: 'invalid_value', params: { values: 'rainfall, tide_level' } }, 'vi')).toBe('kind: phải là một trong: rainfall, tide_level');
    // A generic code without a reason keeps the server's hint: what to fix is not lost.
    expect(serverMessage({ code: 'conflict', message: 'id: already taken by another camera', field: 'id' }, 'vi')).toBe('id: Giá trị đã được dùng hoặc dữ liệu vừa bị người khác thay đổi (already taken by another camera)');
    expect(serverMessage({ code: 'invalid', message: 'say where: click on the map', field: 'place' }, 'vi')).toBe('place: Yêu cầu có giá trị không hợp lệ (say where: click on the map)');
    expect(serverMessage({ code: 'import_rejected', message: 'import rejected: 2 row error(s)', rows: [{}, {}] }, 'vi')).toBe('Tệp bị từ chối: 2 dòng lỗi; chưa nhập gì cả');
    // A code no list knows (a newer server): its message, in both languages.
    expect(serverMessage({ code: 'from_the_future', message: 'something new' }, 'vi')).toBe('something new');
    // The browser's own "network" error is worded in English too ("Failed to fetch" is the browser's).
    expect(serverMessage({ code: 'network', message: 'Failed to fetch' }, 'en')).toBe('Cannot reach the server');
  });

  it('words import rows and slot notices with their parameters', () => {
    expect(importRowMessage({ message: 'duplicate of row 1 in this file', reason: 'duplicate_in_file', params: { row: 1 } }, 'vi')).toBe('trùng với dòng 1 trong tệp');
    expect(importRowMessage({ message: 'camera cam-1 already exists', reason: 'already_exists', params: { type: 'camera', id: 'cam-1' } }, 'vi')).toBe('camera cam-1 đã tồn tại');
    const notice = { code: 'more_pinned_than_slots', pinned: 5, slots: 3, waiting: ['p1', 'p0'], message: '5 cameras are pinned but there are 3 slots' };
    expect(slotNoticeMessage(notice, 'vi')).toBe('5 camera được ghim nhưng chỉ có 3 suất: 3 camera ghim gần nhất được phân tích, 2 camera phải chờ');
    expect(slotNoticeMessage(notice, 'en')).toBe(notice.message);
  });
});

/** Production source files (no tests, no specs, no web, no tools' dependencies). */
function productionFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules' || entry === 'dist' || entry === 'web') continue;
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ts$/.test(entry) && !/\.(spec|test)\.ts$/.test(entry)) files.push(full);
    }
  };
  for (const folder of ['contract', 'core', 'models', 'devices', 'ingest', 'analytics', 'dashboard', 'apps']) walk(path.join(ROOT, folder));
  return files;
}

/** Every first capture of `pattern` in production code, with where it was found. */
function literals(pattern: RegExp, fileFilter: (file: string) => boolean = () => true): { code: string; at: string }[] {
  const found: { code: string; at: string }[] = [];
  for (const file of productionFiles().filter(fileFilter)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(pattern)) found.push({ code: match[1], at: `${path.relative(ROOT, file)}:${text.slice(0, match.index).split('\n').length}` });
  }
  return found;
}

const notIn = (found: { code: string; at: string }[], codes: readonly string[]) => found.filter((item) => !codes.includes(item.code)).map((item) => `${item.code} (${item.at})`);

describe('codes the server code sends', () => {
  it('answers requests only with listed codes', () => {
    const errorCodes = [...REQUEST_ERROR_CODES, ...EDGE_ERROR_CODES, ...WORKER_ERROR_CODES];
    const thrown = literals(/new AppError\(\s*'(\w+)'/g);
    const answered = [
      ...literals(/\berror: \{ code: '(\w+)'/g),
      ...literals(/\bbody: \{ code: '(\w+)'/g),
      ...literals(/this\.refuse\(response, \d+, '(\w+)'/g),
      ...literals(/\? '(\w+)' :/g, (file) => file.endsWith(path.join('open-data', 'routes.ts'))),
    ];
    // The patterns still find what they are for (a rewrite that loses them would pass silently).
    expect(thrown.length).toBeGreaterThan(50);
    expect(answered.length).toBeGreaterThan(10);
    expect(notIn(thrown, errorCodes)).toEqual([]);
    expect(notIn(answered, [...REQUEST_ERROR_CODES, ...EDGE_ERROR_CODES])).toEqual([]);
  });

  it('gives every refusal with a generic code a reason: none is made without the helpers that require one', () => {
    // badRequest, conflict and notFound (core/errors.ts) take a reason by type; a bare AppError of these
    // codes would reach a Vietnamese screen as its English message.
    const bare = literals(/(new AppError\(\s*'(?:invalid|conflict|not_found)',(?:(?!refusal:)[^;])*;)/g, (file) => !file.endsWith(path.join('core', 'errors.ts')));
    expect(bare.map((item) => item.at)).toEqual([]);
  });

  it('gives bulk-import rows, slot notices and camera states only listed reasons', () => {
    const rowReasons = literals(/reason: '(\w+)'/g, (file) => file.endsWith(path.join('devices', 'bulk-import.ts')));
    const notices = literals(/\{\s*code: '(\w+)'/g, (file) => file.endsWith(path.join('slots', 'scheduler.ts')));
    const cameraStates = literals(/THEN '(\w+)' ELSE '(\w+)' END\) ELSE COALESCE\(s\.reason/g, (file) => file.endsWith(path.join('camera', 'status-repository.ts')));
    expect(rowReasons.length).toBeGreaterThanOrEqual(IMPORT_ROW_REASONS.length);
    expect([...new Set(notices.map((item) => item.code))].sort()).toEqual([...SLOT_NOTICE_CODES].sort());
    expect(cameraStates).toHaveLength(1);
    expect(notIn(rowReasons, IMPORT_ROW_REASONS)).toEqual([]);
    expect(notIn(cameraStates, CAMERA_STATUS_REASONS)).toEqual([]);
    expect(CAMERA_STATUS_REASONS).toEqual(expect.arrayContaining(['unassigned', 'disabled']));
  });
});

describe('real refusals of the API', () => {
  let test: TestDatabase;
  let api: TestApi;
  beforeAll(async () => {
    test = await createTestDatabase();
    api = await startTestApi(test);
  });
  afterAll(async () => {
    await api?.stop();
    await test?.drop();
  });

  it('a rejected import: every row carries a reason the web words in Vietnamese', async () => {
    const body = [
      'type,id,name,rtsp_url,lat,lon,district,kind,level1,level2,level3',
      'camera,cam-m1,Cam,rtsp://10.0.0.1/s,10.78,106.70,quan-1,,,,',
      'camera,cam-m2,Cam,ftp://nope,10.78,106.70,quan-1,,,,',
      'sensor,bad-1,Bad,,95,106.65,quan-1,volcano,,,',
      'drone,d-1,Drone,,10.8,106.7,quan-1,,,,',
      'camera,cam-m1,Again,rtsp://10.0.0.1/s,10.78,106.70,quan-1,,,,',
      'sensor,s-empty,,,10.8,106.7,quan-1,rainfall,,,',
    ].join('\n');
    const response = await api.request('POST', '/api/devices/import', { role: 'engineer', headers: { 'content-type': 'text/csv' }, body });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('import_rejected');
    expect(error.rows.length).toBeGreaterThanOrEqual(5);
    for (const row of error.rows) {
      expect([...REFUSAL_REASONS, ...IMPORT_ROW_REASONS, ...Object.keys(REQUEST_REASONS)], JSON.stringify(row)).toContain(row.reason);
      expect(importRowMessage(row, 'vi'), JSON.stringify(row)).not.toBe(row.message);
    }
    expect(error.rows.map((row: { reason: string }) => row.reason)).toEqual(expect.arrayContaining(['unknown_type', 'duplicate_in_file', 'too_big', 'invalid_value', 'required']));
    const missing = error.rows.find((row: { reason: string }) => row.reason === 'required');
    expect(importRowMessage(missing, 'vi')).toBe('thiếu giá trị');
  });

  it('a refusal with a generic code carries a reason and parameters the web words in both languages', async () => {
    const response = await api.request('POST', '/api/incidents', { role: 'operator', body: { kind: 'crowd', severity: 'minor', title: 'Nowhere' } });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error).toMatchObject({ code: 'invalid', field: 'place', reason: 'place_required' });
    expect(serverMessage(error, 'vi')).toBe('place: hãy chỉ vị trí: bấm lên bản đồ, hoặc chọn quận và nhập địa chỉ');
    const gone = await api.request('GET', '/api/cameras/no-such-camera/status', { role: 'engineer' });
    const notFoundBody = (await gone.json()).error;
    expect(notFoundBody).toMatchObject({ code: 'not_found', reason: 'not_found', params: { what: 'camera', id: 'no-such-camera' } });
    expect(serverMessage(notFoundBody, 'vi')).toBe('Không tìm thấy camera no-such-camera');
    expect(serverMessage({ ...notFoundBody, message: '' }, 'en')).toBe('Not found: camera no-such-camera');
  });

  it('the framework\'s own refusals (malformed JSON, a body type it does not take, no such route) carry a listed code and a reason', async () => {
    const malformed = await api.request('POST', '/api/incidents', { role: 'operator', headers: { 'content-type': 'application/json' }, body: '{"kind": "crowd",' });
    expect(malformed.status).toBe(400);
    const malformedError = (await malformed.json()).error;
    expect(malformedError).toMatchObject({ code: 'bad_request', reason: 'malformed_json' });
    expect(serverMessage(malformedError, 'vi')).toBe('nội dung gửi đi không phải JSON hợp lệ');

    const wrongType = await api.request('POST', '/api/incidents', { role: 'operator', headers: { 'content-type': 'text/csv' }, body: 'kind,severity' });
    expect(wrongType.status).toBe(415);
    const wrongTypeError = (await wrongType.json()).error;
    expect(wrongTypeError).toMatchObject({ code: 'bad_request', reason: 'unsupported_media_type', params: { type: expect.stringContaining('text/csv') } });

    const nowhere = await api.request('GET', '/api/no-such-route?x=1', { role: 'operator' });
    expect(nowhere.status).toBe(404);
    const nowhereError = (await nowhere.json()).error;
    expect(nowhereError).toMatchObject({ code: 'not_found', reason: 'no_route', params: { method: 'GET', path: '/api/no-such-route' } });
    expect(serverMessage(nowhereError, 'vi')).toBe('máy chủ không có địa chỉ GET /api/no-such-route: hãy tải lại trang (có thể máy chủ đã được cập nhật)');
  });

  it('a number out of range carries too_big with its limit', async () => {
    const response = await api.request('POST', '/api/cameras', { role: 'engineer', body: { id: 'cam-lat', name: 'Cam', rtspUrl: 'rtsp://10.0.0.1/s', lat: 95, lon: 106.7, districtId: 'quan-1' } });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error).toMatchObject({ code: 'invalid', field: 'lat', reason: 'too_big', params: { maximum: 90 } });
    expect(serverMessage(error, 'vi')).toBe('lat: phải nhỏ hơn hoặc bằng 90');
  });

});
