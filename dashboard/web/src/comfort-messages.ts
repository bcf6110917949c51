// The labels of the light theme and the operations page's keyboard shortcuts, in Vietnamese and English;
// spread into messages.ts.
export const comfortMessages = {
  'theme.label': { vi: 'Giao diện', en: 'Theme' },
  'theme.dark': { vi: 'Tối', en: 'Dark' },
  'theme.light': { vi: 'Sáng', en: 'Light' },
  'theme.switchToLight': { vi: 'Chuyển sang giao diện sáng', en: 'Switch to the light theme' },
  'theme.switchToDark': { vi: 'Chuyển sang giao diện tối', en: 'Switch to the dark theme' },
  'theme.explain': {
    vi: 'Giao diện tối là mặc định cho phòng điều hành; giao diện sáng dễ đọc hơn trong phòng nhiều ánh sáng ban ngày. Lựa chọn được lưu trên trình duyệt này. Màn hình tường luôn dùng giao diện tối.',
    en: 'Dark is the default for the command room; light reads better in a room full of daylight. The choice is kept in this browser. The wall display is always dark.',
  },

  'shortcuts.title': { vi: 'Phím tắt', en: 'Keyboard shortcuts' },
  'shortcuts.open': { vi: 'Phím tắt (?)', en: 'Keyboard shortcuts (?)' },
  'shortcuts.intro': { vi: 'Trên trang điều hành. Không hoạt động khi đang gõ trong ô nhập liệu hoặc khi giữ Ctrl, Alt hay ⌘.', en: 'On the operations page. Not while typing in a field, nor with Ctrl, Alt or ⌘ held.' },
  'shortcuts.next': { vi: 'Cảnh báo tiếp theo', en: 'Next alert' },
  'shortcuts.previous': { vi: 'Cảnh báo trước', en: 'Previous alert' },
  'shortcuts.acknowledge': { vi: 'Tiếp nhận cảnh báo đang chọn', en: 'Acknowledge the selected alert' },
  'shortcuts.assign': { vi: 'Giao đội: chuyển tới ô chọn đội', en: 'Assign: go to the team choice' },
  'shortcuts.camera': { vi: 'Mở video trực tiếp của camera', en: "Open the camera's live video" },
  'shortcuts.openDetail': { vi: 'Mở chi tiết cảnh báo', en: "Open the alert's detail" },
  'shortcuts.close': { vi: 'Đóng chi tiết hoặc bảng này', en: 'Close the detail or this list' },
  'shortcuts.help': { vi: 'Hiện hoặc ẩn danh sách phím tắt', en: 'Show or hide this list' },
  'shortcuts.or': { vi: 'hoặc', en: 'or' },
  'shortcuts.selected': { vi: 'Cảnh báo {position}/{count}: {title}', en: 'Alert {position} of {count}: {title}' },
  'shortcuts.closed': { vi: 'Đã đóng chi tiết cảnh báo', en: 'Alert detail closed' },
  'shortcuts.noAlert': { vi: 'Chưa chọn cảnh báo nào — dùng J hoặc K để chọn', en: 'No alert selected — use J or K to pick one' },
  'shortcuts.noAlerts': { vi: 'Danh sách không có cảnh báo nào', en: 'The list has no alerts' },
  'shortcuts.notAllowed': { vi: 'Vai trò của bạn không được xử lý cảnh báo', en: 'Your role may not act on alerts' },
  'shortcuts.notNew': { vi: 'Cảnh báo này đã được tiếp nhận', en: 'This alert is already acknowledged' },
  'shortcuts.assignFocused': { vi: 'Chọn đội bằng phím mũi tên, rồi Tab tới nút Giao đội', en: 'Pick the team with the arrow keys, then Tab to Assign' },
  'shortcuts.noCamera': { vi: 'Cảnh báo này không đến từ camera', en: 'This alert does not come from a camera' },
  'shortcuts.cameraOpened': { vi: 'Đang mở video trực tiếp: {camera}', en: 'Opening live video: {camera}' },

  'announce.acknowledged': { vi: 'Đã tiếp nhận cảnh báo: {title}', en: 'Alert acknowledged: {title}' },
  'announce.assigned': { vi: 'Đã giao cảnh báo cho {team}: {title}', en: 'Alert assigned to {team}: {title}' },
  'announce.resolved': { vi: 'Đã xử lý xong cảnh báo: {title}', en: 'Alert resolved: {title}' },
};
