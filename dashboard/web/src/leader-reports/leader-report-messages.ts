// The labels of the reports page (daily and weekly operations reports for leaders), in Vietnamese and
// English; spread into messages.ts.
export const leaderReportMessages = {
  'nav.reports': { vi: 'Báo cáo', en: 'Reports' },
  'feature.leaderReports': { vi: 'Báo cáo lãnh đạo', en: 'The reports for leaders' },
  'leaderReports.title': { vi: 'Báo cáo vận hành', en: 'Operations reports' },
  'leaderReports.subtitle': {
    vi: 'Báo cáo ngày (lập sau nửa đêm) và báo cáo tuần (lập sáng thứ Hai): cảnh báo, vụ việc, lưu lượng xe, mức triều, lượng mưa, thiết bị',
    en: 'The daily report (made after midnight) and the weekly report (made on Monday): alerts, incidents, traffic, tide, rain, devices',
  },
  'leaderReports.generate': { vi: 'Lập báo cáo ngay', en: 'Generate now' },
  'leaderReports.generating': { vi: 'Đang lập báo cáo…', en: 'Generating…' },
  'leaderReports.generated': { vi: 'Đã lập báo cáo {period}', en: 'Report for {period} generated' },
  'leaderReports.kind': { vi: 'Loại', en: 'Kind' },
  'leaderReports.kind.daily': { vi: 'Ngày', en: 'Daily' },
  'leaderReports.kind.weekly': { vi: 'Tuần', en: 'Weekly' },
  'leaderReports.day': { vi: 'Ngày (tuần chứa ngày này)', en: 'Day (or the week holding it)' },
  'leaderReports.language': { vi: 'Ngôn ngữ báo cáo', en: 'Report language' },
  'leaderReports.language.vi': { vi: 'Tiếng Việt', en: 'Vietnamese' },
  'leaderReports.language.en': { vi: 'Tiếng Anh', en: 'English' },
  'leaderReports.list': { vi: 'Báo cáo đã lập', en: 'Reports made' },
  'leaderReports.period': { vi: 'Kỳ báo cáo', en: 'Period' },
  'leaderReports.createdAt': { vi: 'Lập lúc', en: 'Made at' },
  'leaderReports.createdBy': { vi: 'Người lập', en: 'Made by' },
  'leaderReports.schedule': { vi: 'Tự động', en: 'Schedule' },
  'leaderReports.files': { vi: 'Tải về', en: 'Download' },
  'leaderReports.none': { vi: 'Chưa có báo cáo nào', en: 'No reports yet' },
  'leaderReports.noneDetail': {
    vi: 'Báo cáo ngày đầu tiên sẽ được lập sau nửa đêm; hoặc lập ngay bằng biểu mẫu ở trên.',
    en: 'The first daily report is made after midnight; or generate one now with the form above.',
  },
} as const;
