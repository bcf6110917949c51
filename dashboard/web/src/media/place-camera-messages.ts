// The cameras shown with an alert's or incident's place, their field of view in the engineer's form,
// and the wall's pinned tiles, in Vietnamese and English; spread into messages.ts.
export const placeCameraMessages = {
  'placeCameras.title': { vi: 'Camera tại hiện trường', en: 'Cameras at the scene' },
  'placeCameras.sees': { vi: 'Nhìn thấy vị trí · {distance}', en: 'Sees the place · {distance}' },
  'placeCameras.near': { vi: 'Gần đó · {distance}', en: 'Nearby · {distance}' },
  'placeCameras.none': { vi: 'Không có camera nào nhìn thấy hoặc ở gần vị trí này (trong 500 m).', en: 'No camera sees this place or is near it (within 500 m).' },
  'placeCameras.failed': { vi: 'Không tải được danh sách camera: {reason}', en: 'Could not load the cameras: {reason}' },
  'placeCameras.pinned': { vi: 'Ghim theo cảnh báo khẩn: {title}', en: 'Pinned for the critical alert: {title}' },

  'engineer.fovDegrees': { vi: 'Góc nhìn (độ, 1–360)', en: 'Field of view (degrees, 1–360)' },
  'engineer.rangeMeters': { vi: 'Tầm nhìn (mét)', en: 'Range (metres)' },
  'engineer.fovHint': {
    vi: 'Kéo đầu hình nón để đổi hướng và tầm nhìn, kéo mép để đổi góc nhìn. 360° là camera nhìn toàn cảnh.',
    en: 'Drag the cone’s tip to change the bearing and range, an edge to change the angle. 360° is a camera that sees all round.',
  },
  'engineer.fovEditor': { vi: 'Vùng nhìn của camera', en: 'Camera field of view' },
} as const;
