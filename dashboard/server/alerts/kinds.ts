// Words for each alert kind: the event name people read (CAP <event>, Atom titles, CSV), and the
// CAP 1.2 category it belongs to.
import type { AlertKind, LocalisedText } from '@cityops/contract/alerts';

export const KIND_NAMES: Record<AlertKind, LocalisedText> = {
  crowd: { vi: 'Tụ tập đông người', en: 'Crowd' },
  stalled_vehicle: { vi: 'Xe dừng bất thường', en: 'Stalled vehicle' },
  wrong_way: { vi: 'Xe đi ngược chiều', en: 'Wrong-way vehicle' },
  congestion: { vi: 'Ùn tắc giao thông', en: 'Traffic congestion' },
  camera_offline: { vi: 'Camera mất kết nối', en: 'Camera offline' },
  camera_tamper: { vi: 'Camera bị che hoặc xoay', en: 'Camera tampering' },
  sensor_level: { vi: 'Cảm biến vượt ngưỡng', en: 'Sensor level threshold' },
  sensor_rate_of_rise: { vi: 'Mức tăng nhanh bất thường', en: 'Rapid rise' },
  sensor_offline: { vi: 'Cảm biến mất kết nối', en: 'Sensor offline' },
  sensor_forecast: { vi: 'Dự báo triều vượt ngưỡng', en: 'Tide level forecast' },
  pump_failure: { vi: 'Máy bơm không hoạt động đúng', en: 'Pump failure' },
  illegal_parking: { vi: 'Đỗ xe trái phép', en: 'Illegal parking' },
  flooded_road: { vi: 'Đường bị ngập', en: 'Flooded road' },
  joint_rule: { vi: 'Quy tắc kết hợp cảm biến và camera', en: 'Joint sensor and camera rule' },
  manual: { vi: 'Báo cáo của điều hành viên', en: 'Operator report' },
};

/** CAP 1.2 <category> values (Geo, Met, Safety, Security, Rescue, Fire, Health, Env, Transport, Infra, CBRNE, Other). */
export const CAP_CATEGORY: Record<AlertKind, string> = {
  crowd: 'Safety',
  stalled_vehicle: 'Transport',
  wrong_way: 'Transport',
  congestion: 'Transport',
  camera_offline: 'Infra',
  camera_tamper: 'Security',
  // Level and rate-of-rise rules watch tide, river and rain gauges: flooding is "Met" in CAP.
  sensor_level: 'Met',
  sensor_rate_of_rise: 'Met',
  sensor_offline: 'Infra',
  sensor_forecast: 'Met',
  pump_failure: 'Infra',
  illegal_parking: 'Transport',
  // A flooded road is water first (like the level rules); what a joint rule means is the engineer's.
  flooded_road: 'Met',
  joint_rule: 'Other',
  manual: 'Other',
};
