// The words of the reports for leaders, in Vietnamese and English (the PDF's headings and the CSV's
// labels). Names of places come from the devices tables (nameIn); kinds of alerts and incidents from
// the desk's own word lists.
import type { ReportLanguage } from '@cityops/contract/leader-reports';
import type { AlertSeverity } from '@cityops/contract/alerts';

const TEXT = {
  dailyTitle: { vi: 'Báo cáo vận hành ngày', en: 'Daily operations report' },
  weeklyTitle: { vi: 'Báo cáo vận hành tuần', en: 'Weekly operations report' },
  period: { vi: 'Kỳ báo cáo', en: 'Period' },
  generated: { vi: 'Lập lúc', en: 'Generated' },
  timeNote: { vi: 'Giờ Việt Nam (UTC+7)', en: 'Viet Nam time (UTC+7)' },
  summary: { vi: 'Tóm tắt', en: 'Summary' },
  alerts: { vi: 'Cảnh báo', en: 'Alerts' },
  alertsByKind: { vi: 'Cảnh báo theo loại', en: 'Alerts by kind' },
  alertsByDistrict: { vi: 'Cảnh báo theo quận', en: 'Alerts by district' },
  alertsBySeverity: { vi: 'Cảnh báo theo mức độ', en: 'Alerts by severity' },
  incidents: { vi: 'Vụ việc', en: 'Incidents' },
  responseTimes: { vi: 'Thời gian phản ứng theo loại vụ việc', en: 'Response times by incident kind' },
  kind: { vi: 'Loại', en: 'Kind' },
  resolved: { vi: 'Đã xử lý', en: 'Resolved' },
  acknowledgeMedian: { vi: 'Nhận lệnh (trung vị)', en: 'Acknowledge (median)' },
  arriveMedian: { vi: 'Có mặt (trung vị)', en: 'Arrive (median)' },
  resolveMedian: { vi: 'Xử lý xong (trung vị)', en: 'Resolve (median)' },
  pastDeadline: { vi: 'Trễ hạn', en: 'Past deadline' },
  total: { vi: 'Tổng', en: 'Total' },
  traffic: { vi: 'Lưu lượng xe theo giờ và loại xe', en: 'Traffic volume by hour and vehicle class' },
  vehicles: { vi: 'Lượt xe', en: 'Vehicles' },
  hour: { vi: 'Giờ', en: 'Hour' },
  tide: { vi: 'Đỉnh mức triều và mực nước so với mức báo động', en: 'Tide and water level peaks against alarm levels' },
  gauge: { vi: 'Trạm đo', en: 'Gauge' },
  peak: { vi: 'Đỉnh', en: 'Peak' },
  peakAt: { vi: 'Lúc', en: 'At' },
  level: { vi: 'Báo động', en: 'Alarm' },
  levelReached: { vi: 'Mức đạt', en: 'Level reached' },
  rainfall: { vi: 'Lượng mưa', en: 'Rainfall' },
  devices: { vi: 'Tình trạng thiết bị', en: 'Device availability' },
  sensorsReporting: { vi: 'Cảm biến: tỷ lệ số đo nhận được', en: 'Sensors: share of expected readings received' },
  camerasOnline: { vi: 'Camera đang hoạt động lúc lập báo cáo', en: 'Cameras online when the report was made' },
  cameraOfflineAlerts: { vi: 'Cảnh báo camera mất kết nối', en: 'Camera offline alerts' },
  sensorsBelow: { vi: 'Cảm biến dưới 90% số đo', en: 'Sensors below 90% of readings' },
  readings: { vi: 'Số đo', en: 'Readings' },
  none: { vi: 'Không có dữ liệu trong kỳ', en: 'No data in this period' },
  noDistrict: { vi: 'Chưa xác định quận', en: 'No district' },
  page: { vi: 'Trang', en: 'Page' },
} satisfies Record<string, Record<ReportLanguage, string>>;

export type ReportTextKey = keyof typeof TEXT;

export const reportText = (language: ReportLanguage, key: ReportTextKey) => TEXT[key][language];

export const SEVERITY_NAMES: Record<AlertSeverity, Record<ReportLanguage, string>> = {
  critical: { vi: 'Khẩn cấp', en: 'Critical' },
  major: { vi: 'Nghiêm trọng', en: 'Major' },
  minor: { vi: 'Nhẹ', en: 'Minor' },
  info: { vi: 'Thông tin', en: 'Information' },
};

/** Vehicle classes as the detector names them, in words (motorbike and motorcycle are one class). */
export const VEHICLE_CLASS_NAMES: Record<string, Record<ReportLanguage, string>> = {
  motorcycle: { vi: 'Xe máy', en: 'Motorcycle' },
  car: { vi: 'Ô tô', en: 'Car' },
  bus: { vi: 'Xe buýt', en: 'Bus' },
  truck: { vi: 'Xe tải', en: 'Truck' },
  bicycle: { vi: 'Xe đạp', en: 'Bicycle' },
};
