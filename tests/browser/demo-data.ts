// A realistic command-room situation for screenshots and by-hand work: a field team, a day of tide,
// rain and salinity readings, vehicle counts, and a few open alerts of every severity, raised through
// the real alerts API (so they also go out live).
import type { Database } from '../../core/database/pool.ts';
import { raiseAlert } from '../../core/alerts/raise.ts';
import { addTeamMember, insertTeam } from '../../dashboard/server/alerts/teams.ts';
import { systemActor } from '../../core/audit.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import type { AlertTrigger } from '../../core/alerts/types.ts';

/** Semi-diurnal tide at Phú An: two highs a day around 1.0-1.65 m. */
export function tideAt(time: number): number {
  const hours = time / 3600e3;
  return 0.55 + 0.75 * Math.sin((2 * Math.PI * hours) / 12.42) + 0.2 * Math.sin((2 * Math.PI * hours) / 24.8 + 1);
}

export async function seedReadings(db: Database, hours = 24): Promise<void> {
  const now = Date.now();
  const sensors = (await db.query(`SELECT id, kind FROM sensors`)).rows as { id: string; kind: string }[];
  for (const sensor of sensors) {
    const rows: string[] = [];
    const values: unknown[] = [];
    for (let minute = hours * 60; minute >= 0; minute -= 5) {
      const time = now - minute * 60e3;
      let value: number;
      if (sensor.kind === 'tide_level') value = tideAt(time);
      else if (sensor.kind === 'water_level') value = tideAt(time - 40 * 60e3) * 0.9 + 0.1;
      // Depth fallen in each 5 minutes: showers up to about 25 mm/h, a downpour of about 40 mm/h in the last 3 h.
      else if (sensor.kind === 'rainfall') value = Math.max(0, 3 * Math.sin(minute / 70) - 1.2) + (minute < 180 ? 1.8 : 0);
      else if (sensor.kind === 'salinity') value = 1.2 + 0.9 * Math.sin(((time / 3600e3) * 2 * Math.PI) / 12.42 + 0.5);
      else if (sensor.kind === 'soil_moisture') value = 32 + 4 * Math.sin(minute / 300);
      else value = minute % 240 < 90 ? 1 : 0;
      values.push(sensor.id, new Date(time), Math.round(value * 1000) / 1000);
      rows.push(`($${values.length - 2}, $${values.length - 1}, $${values.length})`);
    }
    await db.query(`INSERT INTO sensor_readings (sensor_id, ts, value) VALUES ${rows.join(',')} ON CONFLICT DO NOTHING`, values);
  }
}

export async function seedTrafficCounts(db: Database, hours = 24): Promise<void> {
  const cameras = (await db.query(`SELECT id FROM cameras WHERE analysis::text LIKE '%"lines": [{%' OR analysis::text LIKE '%"lines":[{%'`)).rows as { id: string }[];
  const classes: [string, number][] = [['motorcycle', 38], ['car', 9], ['bus', 1.2], ['truck', 2.1], ['bicycle', 2.5]];
  const now = Date.now();
  for (const camera of cameras) {
    const values: unknown[] = [];
    const rows: string[] = [];
    for (let minute = hours * 60; minute >= 1; minute -= 1) {
      const time = new Date(Math.floor((now - minute * 60e3) / 60e3) * 60e3);
      const hour = (time.getUTCHours() + 7) % 24;
      // Rush hours at 7-8 and 17-18 local time, quiet at night.
      const rush = Math.exp(-((hour - 7.5) ** 2) / 2) + Math.exp(-((hour - 17.5) ** 2) / 2);
      const level = 0.15 + (hour >= 6 && hour <= 22 ? 0.55 : 0) + rush;
      for (const [vehicleClass, perMinute] of classes) {
        const count = Math.round(perMinute * level * (0.8 + ((minute * 7919) % 40) / 100));
        if (!count) continue;
        values.push(camera.id, 'l1', time, vehicleClass, minute % 2 ? '+' : '-', count);
        const n = values.length;
        rows.push(`($${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`);
      }
      if (values.length > 6000) {
        await db.query(`INSERT INTO traffic_counts (camera_id, line_id, minute, class, direction, count) VALUES ${rows.join(',')} ON CONFLICT DO NOTHING`, values);
        values.length = 0;
        rows.length = 0;
      }
    }
    if (rows.length) await db.query(`INSERT INTO traffic_counts (camera_id, line_id, minute, class, direction, count) VALUES ${rows.join(',')} ON CONFLICT DO NOTHING`, values);
  }
}

export async function seedFieldTeam(db: Database, fieldUsername = 'field-user'): Promise<number> {
  const team = await insertTeam(db, { name: 'Đội phản ứng nhanh Quận 1', districtId: 'quan-1', phone: '028 3829 0000' });
  await insertTeam(db, { name: 'Đội thoát nước Bình Thạnh', districtId: 'quan-binh-thanh', phone: null });
  const user = (await db.query(`SELECT id FROM users WHERE username = $1`, [fieldUsername])).rows[0];
  if (user) await addTeamMember(db, team.id, Number(user.id));
  return team.id;
}

export const DEMO_ALERTS: AlertTrigger[] = [
  {
    sourceType: 'sensor', sourceId: 'tide-level-001', kind: 'sensor_level', severity: 'critical',
    title: { vi: 'Triều Phú An vượt báo động III (1,72 m)', en: 'Phú An tide above alarm III (1.72 m)' },
    description: { vi: 'Mực nước 1,72 m, vượt báo động III 1,70 m. Nguy cơ ngập các tuyến ven sông.', en: 'Water at 1.72 m, above alarm III at 1.70 m. Riverside streets at risk of flooding.' },
    evidence: { data: { value: 1.72, level: 3 } },
  },
  {
    sourceType: 'camera', sourceId: 'cam-002', kind: 'crowd', zoneId: 'plaza', severity: 'major',
    title: { vi: 'Tụ tập đông người tại phố đi bộ Nguyễn Huệ', en: 'Crowd gathering on Nguyễn Huệ walking street' },
    description: { vi: '14 người trong vùng quảng trường hơn 3 giây.', en: '14 persons in the plaza zone for over 3 seconds.' },
  },
  {
    sourceType: 'camera', sourceId: 'cam-003', kind: 'stalled_vehicle', zoneId: 'road', severity: 'major',
    title: { vi: 'Xe dừng bất thường tại nút giao Hàng Xanh', en: 'Stalled vehicle at Hàng Xanh junction' },
  },
  {
    sourceType: 'sensor', sourceId: 'water-level-003', kind: 'sensor_rate_of_rise', severity: 'minor',
    title: { vi: 'Nước kênh Nhiêu Lộc lên nhanh (32 cm/giờ)', en: 'Nhiêu Lộc canal rising fast (32 cm/h)' },
  },
  {
    sourceType: 'camera', sourceId: 'cam-006', kind: 'congestion', zoneId: 'road', severity: 'minor',
    title: { vi: 'Ùn tắc tại ngã tư Thủ Đức', en: 'Congestion at Thủ Đức crossroads' },
  },
  {
    sourceType: 'sensor', sourceId: 'salinity-006', kind: 'sensor_level', severity: 'minor',
    title: { vi: 'Độ mặn Nhà Bè vượt 2 g/L', en: 'Nhà Bè salinity above 2 g/L' },
  },
  {
    sourceType: 'sensor', sourceId: 'soil-moisture-011', kind: 'sensor_offline', severity: 'info',
    title: { vi: 'Cảm biến độ ẩm đất Hóc Môn mất tín hiệu', en: 'Hóc Môn soil moisture sensor silent' },
  },
];

export async function raiseDemoAlerts(db: Database, triggers = DEMO_ALERTS): Promise<number[]> {
  const live = createLivePublisher(db);
  const ids: number[] = [];
  for (const trigger of triggers) {
    const raised = await raiseAlert({ db, live }, trigger, systemActor('demo'));
    ids.push(raised.alertId);
  }
  return ids;
}
