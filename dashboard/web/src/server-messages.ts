// What the server says to a screen, in the reader's language. The server answers with a code (and,
// for a refused value, a reason and its parameters) beside an English message; this module words each
// code of contract/server-codes.ts in Vietnamese and English. The records are typed by the code lists,
// so a new code without its text is a compile error, and tests/foundation/server-messages.test.ts fails
// on an empty or mismatched text. In English the server's own message is shown when it has one: it is
// written for people and often more precise (a schema's "at least 5 seconds", the field a conflict is
// on) than a text made from the code; the English texts here word what comes without one. A code no
// list knows (a newer server) falls back to the message in both languages.
import type { CameraStatusReason, ImportRowReason, RefusalReasonCode, RequestReason, ServerErrorCode, SlotNoticeCode, Thing, Unit } from '@cityops/contract/server-codes';
import { storedLanguage, type Language } from './i18n-core.ts';

export interface ServerText {
  vi: string;
  en: string;
}
export type ServerParams = Record<string, string | number | boolean>;

/** Error codes of a refused or failed request, and the two the browser makes itself (no answer, no code). */
export const errorCodeTexts: Record<ServerErrorCode | 'network' | 'unknown', ServerText> = {
  invalid: { vi: 'Yêu cầu có giá trị không hợp lệ', en: 'The request has a value that is not valid' },
  invalid_file: { vi: 'Không đọc được tệp', en: 'The file cannot be read' },
  import_rejected: { vi: 'Tệp bị từ chối: {count} dòng lỗi; chưa nhập gì cả', en: 'File rejected: {count} row error(s); nothing was imported' },
  invalid_trigger: { vi: 'Cảnh báo gửi tới không hợp lệ', en: 'The alert sent is not valid' },
  unknown_device: { vi: 'Thiết bị này chưa được đăng ký', en: 'This device is not registered' },
  not_an_image: { vi: 'Tệp không phải là ảnh', en: 'The file is not a picture' },
  not_a_video: { vi: 'Tệp không phải là video', en: 'The file is not a video' },
  too_large: { vi: 'Tệp hoặc yêu cầu quá lớn', en: 'The file or request is too large' },
  idempotency_key_reused: { vi: 'Yêu cầu này đã được gửi cho một thao tác khác; hãy thử lại', en: 'This request was already sent for another action; try again' },
  onvif_no_media: { vi: 'Camera ONVIF không có luồng video nào', en: 'The ONVIF camera offers no video stream' },
  onvif_auth_failed: { vi: 'Camera ONVIF từ chối tên đăng nhập hoặc mật khẩu', en: 'The ONVIF camera refused the user name or password' },
  not_found: { vi: 'Không tìm thấy', en: 'Not found' },
  no_basemap: { vi: 'Máy chủ chưa có bản đồ nền', en: 'The server has no base map' },
  conflict: { vi: 'Giá trị đã được dùng hoặc dữ liệu vừa bị người khác thay đổi', en: 'The value is already taken, or someone else changed this just now' },
  invalid_transition: { vi: 'Không thể làm việc này ở trạng thái hiện tại', en: 'This cannot be done in the current state' },
  self_lockout: { vi: 'Bạn không thể tự bỏ quyền quản trị hay tự khóa tài khoản của mình; hãy nhờ quản trị viên khác', en: 'You cannot remove your own admin role or disable yourself; ask another admin' },
  not_pending: { vi: 'Phiên này không cần mã xác thực', en: 'This session needs no code' },
  totp_already_enabled: { vi: 'Xác thực hai bước đã được bật', en: 'Two-step sign-in is already on' },
  totp_not_started: { vi: 'Hãy bắt đầu bật xác thực hai bước trước', en: 'Start turning on two-step sign-in first' },
  live_unavailable: { vi: 'Camera này không có video trực tiếp', en: 'Live video is not available for this camera' },
  clip_pending: { vi: 'Đoạn video đang được lưu; thử lại sau giây lát', en: 'The clip is still being saved; try again shortly' },
  clip_saved: { vi: 'Đoạn video đã được lưu', en: 'The clip is already saved' },
  clip_failed: { vi: 'Không lưu được đoạn video', en: 'The clip could not be saved' },
  clip_deleted: { vi: 'Đoạn video đã bị xóa', en: 'The clip was deleted' },
  unauthenticated: { vi: 'Vui lòng đăng nhập', en: 'Please sign in' },
  invalid_credentials: { vi: 'Sai tên đăng nhập hoặc mật khẩu', en: 'Wrong user name or password' },
  invalid_code: { vi: 'Mã xác thực không đúng', en: 'The code is not right' },
  second_factor_required: { vi: 'Hãy nhập mã của ứng dụng xác thực trước', en: 'Enter the code of your authenticator app first' },
  forbidden: { vi: 'Vai trò của bạn không được làm việc này', en: 'Your role does not allow this' },
  role_forbidden: { vi: 'Vai trò của bạn không được làm việc này', en: 'Your role does not allow this' },
  password_change_required: { vi: 'Hãy đổi mật khẩu trước', en: 'Change your password first' },
  second_factor_enrolment_required: { vi: 'Hãy bật xác thực hai bước trước', en: 'Turn on two-step sign-in first' },
  onvif_target_not_allowed: { vi: 'Địa chỉ camera này không được phép dò tìm', en: 'This camera address may not be probed' },
  too_many_attempts: { vi: 'Quá nhiều lần thử; hãy đợi một lúc rồi thử lại', en: 'Too many attempts; wait a while and try again' },
  not_shared: { vi: 'Chủ camera hiện không chia sẻ camera này', en: 'The owner does not share this camera now' },
  unavailable: { vi: 'Dịch vụ tạm thời không sẵn sàng; thử lại sau giây lát', en: 'The service is not available right now; try again shortly' },
  onvif_failed: { vi: 'Camera ONVIF không trả lời đúng; thử lại sau', en: 'The ONVIF camera did not answer properly; try again later' },
  camera_unassigned: { vi: 'Chưa có máy thu nhận video nào lấy hình từ camera này; thử lại sau giây lát', en: 'No camera-ingest worker pulls this camera right now; try again shortly' },
  camera_offline: { vi: 'Camera hiện không gửi hình', en: 'The camera sends no picture right now' },
  worker_unreachable: { vi: 'Không liên lạc được với máy thu nhận video; thử lại sau', en: 'The camera-ingest worker cannot be reached; try again later' },
  no_picture: { vi: 'Camera hiện không có hình', en: 'The camera delivers no picture right now' },
  not_here: { vi: 'Máy thu nhận này không giữ camera đó; thử lại', en: 'This worker does not pull that camera; try again' },
  unsigned: { vi: 'Đường dẫn cần có chữ ký', en: 'A signed link is required' },
  expired: { vi: 'Đường dẫn đã hết hạn; hãy mở lại', en: 'The link has expired; open it again' },
  bad_signature: { vi: 'Chữ ký của đường dẫn không đúng', en: 'The link signature is wrong' },
  internal: { vi: 'Lỗi máy chủ; xem nhật ký máy chủ', en: 'Server error; see the server log' },
  bad_request: { vi: 'Yêu cầu không hợp lệ', en: 'The request is not valid' },
  database_unavailable: { vi: 'Cơ sở dữ liệu đang bận hoặc không kết nối được; thử lại sau giây lát', en: 'The database is busy or unreachable; try again shortly' },
  database_timeout: { vi: 'Cơ sở dữ liệu trả lời quá lâu; hãy thử yêu cầu nhỏ hơn', en: 'The database took too long to answer; try a smaller request' },
  method_not_allowed: { vi: 'Không hỗ trợ thao tác này', en: 'This method is not supported' },
  relay_unavailable: { vi: 'Chưa có luồng video trực tiếp cho camera này', en: 'The live relay has no stream for this camera yet' },
  network: { vi: 'Không kết nối được máy chủ', en: 'Cannot reach the server' },
  unknown: { vi: 'Lỗi không xác định', en: 'Unknown error' },
};

/** Why a value was refused (a schema issue). Limits and sizes differ by what was measured (`origin`). */
export const refusalReasonTexts: Record<RefusalReasonCode, ServerText> = {
  invalid_type: { vi: 'phải là kiểu {expected}', en: 'must be of type {expected}' },
  too_big: { vi: 'phải nhỏ hơn hoặc bằng {maximum}', en: 'must be at most {maximum}' },
  too_small: { vi: 'phải lớn hơn hoặc bằng {minimum}', en: 'must be at least {minimum}' },
  invalid_format: { vi: 'không đúng định dạng ({format})', en: 'is not in the expected format ({format})' },
  not_multiple_of: { vi: 'phải là bội số của {divisor}', en: 'must be a multiple of {divisor}' },
  unrecognized_keys: { vi: 'có trường không được chấp nhận: {keys}', en: 'has fields that are not accepted: {keys}' },
  invalid_union: { vi: 'không khớp với dạng nào được chấp nhận', en: 'matches none of the accepted forms' },
  invalid_key: { vi: 'có khóa không hợp lệ', en: 'has a key that is not valid' },
  invalid_element: { vi: 'có phần tử không hợp lệ', en: 'has an element that is not valid' },
  invalid_value: { vi: 'phải là một trong: {values}', en: 'must be one of: {values}' },
  custom: { vi: 'giá trị không hợp lệ', en: 'is not a valid value' },
};

/** Variants of a limit by what it measures: text length, list size, or a number that may not equal it. */
export const limitTexts = {
  'too_big.string': { vi: 'dài tối đa {maximum} ký tự', en: 'must be at most {maximum} characters long' },
  'too_big.array': { vi: 'có tối đa {maximum} mục', en: 'must have at most {maximum} items' },
  'too_big.exclusive': { vi: 'phải nhỏ hơn {maximum}', en: 'must be less than {maximum}' },
  'too_small.string': { vi: 'dài ít nhất {minimum} ký tự', en: 'must be at least {minimum} characters long' },
  'too_small.array': { vi: 'có ít nhất {minimum} mục', en: 'must have at least {minimum} items' },
  'too_small.exclusive': { vi: 'phải lớn hơn {minimum}', en: 'must be more than {minimum}' },
  'too_small.empty': { vi: 'không được để trống', en: 'must not be empty' },
} satisfies Record<string, ServerText>;

/** A bulk-import row's own reasons (schema issues use refusalReasonTexts). */
export const importRowReasonTexts: Record<ImportRowReason, ServerText> = {
  not_feature_collection: { vi: 'tệp GeoJSON phải là một FeatureCollection', en: 'the GeoJSON file must be a FeatureCollection' },
  too_many_rows: { vi: 'một tệp có tối đa {maximum} dòng ({given} dòng); hãy chia nhỏ tệp', en: 'a file has at most {maximum} rows ({given} given); split it' },
  too_many_zone_points: { vi: 'một tệp có tối đa {maximum} điểm vùng ({given} điểm); hãy chia nhỏ tệp', en: 'a file has at most {maximum} zone points in total ({given} given); split it' },
  unknown_type: { vi: 'loại phải là "camera" hoặc "sensor"', en: 'the type must be "camera" or "sensor"' },
  duplicate_in_file: { vi: 'trùng với dòng {row} trong tệp', en: 'duplicate of row {row} in this file' },
  no_rows: { vi: 'tệp không có dòng nào để nhập', en: 'the file has no rows to import' },
  already_exists: { vi: '{type} {id} đã tồn tại', en: '{type} {id} already exists' },
};

/** What the slot scheduler says about its plan. */
export const slotNoticeTexts: Record<SlotNoticeCode, ServerText> = {
  no_slots: { vi: 'Số suất phân tích là 0: không camera nào được phân tích (chỉ chạy tầng giám sát nhẹ)', en: 'Slot count is 0: no camera is analysed (only the cheap tier runs)' },
  more_pinned_than_slots: {
    vi: '{pinned} camera được ghim nhưng chỉ có {slots} suất: {slots} camera ghim gần nhất được phân tích, {waiting} camera phải chờ',
    en: '{pinned} cameras are pinned but there are {slots} slots: the {slots} most recent pins are analysed, {waiting} wait',
  },
  round_robin_short: {
    vi: 'Luân phiên cần {needed} suất để phân tích mọi camera đúng hạn, chỉ còn {available} suất sau các camera khẩn: một số camera chờ lâu hơn',
    en: 'Round-robin needs {needed} slots to analyse every camera in time, only {available} remain after urgent cameras: some wait longer',
  },
};

/** Why a camera is not online, as the camera lists show it. */
export const cameraStatusTexts: Record<CameraStatusReason, ServerText> = {
  auth_failed: { vi: 'Camera từ chối tên đăng nhập hoặc mật khẩu', en: 'The camera refused the user name or password' },
  not_found: { vi: 'Camera không có luồng video ở đường dẫn này', en: 'The camera has no stream at this path' },
  unavailable: { vi: 'Camera báo không phục vụ được luồng video', en: 'The camera reports the stream unavailable' },
  unreachable: { vi: 'Không kết nối được tới camera', en: 'The camera cannot be reached' },
  timeout: { vi: 'Camera không trả lời', en: 'The camera does not answer' },
  not_rtsp: { vi: 'Địa chỉ camera không phải rtsp://', en: 'The camera URL is not rtsp://' },
  invalid_data: { vi: 'Camera gửi dữ liệu không phải luồng RTSP hợp lệ', en: 'The camera sends data that is not a valid RTSP stream' },
  no_video: { vi: 'Luồng không có video', en: 'The stream has no video' },
  connecting: { vi: 'Đang kết nối tới camera', en: 'Connecting to the camera' },
  stalled: { vi: 'Không nhận được hình ảnh từ camera', en: 'No picture from the camera' },
  exited: { vi: 'Luồng video bị ngắt', en: 'The video stream ended' },
  unsupported_codec: { vi: 'Camera dùng chuẩn nén không hỗ trợ (cần H.264 hoặc H.265)', en: 'The camera uses an unsupported codec (H.264 or H.265 needed)' },
  config_error: { vi: 'Không đọc được cấu hình camera', en: 'The camera configuration cannot be read' },
  low_fps: { vi: 'Camera gửi ít khung hình hơn mức cần', en: 'The camera sends fewer frames than needed' },
  frozen: { vi: 'Hình ảnh camera bị đứng', en: 'The camera picture is frozen' },
  black: { vi: 'Hình ảnh camera bị đen', en: 'The camera picture is black' },
  scene_change: { vi: 'Góc nhìn camera thay đổi đột ngột', en: 'The camera view changed suddenly' },
  unassigned: { vi: 'Chưa có máy thu nhận video nào giữ camera này', en: 'No camera-ingest worker holds this camera' },
  disabled: { vi: 'Camera đã bị tắt', en: 'The camera is disabled' },
};

/** Why a request with a generic code was refused (contract REQUEST_REASONS); `{what}` and `{unit}` are worded by the tables below. */
export const requestReasonTexts: Record<RequestReason, ServerText> = {
  not_found: { vi: 'Không tìm thấy {what} {id}', en: 'Not found: {what} {id}' },
  does_not_exist: { vi: '{what} {id} không tồn tại', en: '{what} {id} does not exist' },
  not_part_of_incident: { vi: '{what} {id} không thuộc sự cố {incident}', en: '{what} {id} is not part of incident {incident}' },
  required: { vi: 'thiếu giá trị', en: 'required' },
  from_after_to: { vi: 'thời điểm bắt đầu phải trước thời điểm kết thúc', en: 'from must be before to' },
  from_after_horizon: { vi: 'thời điểm bắt đầu phải trước giới hạn dự báo', en: 'from must be before the forecast horizon' },
  range_too_long: { vi: 'mỗi yêu cầu tối đa {maximum} {unit}', en: 'at most {maximum} {unit} per request' },
  too_many_buckets: { vi: 'quá {maximum} khoảng: hãy chọn khoảng rộng hơn', en: 'more than {maximum} buckets: choose wider ones' },
  lat_lon_pair: { vi: 'hãy nhập cả vĩ độ và kinh độ, hoặc bỏ trống cả hai', en: 'give both lat and lon, or neither' },
  place_required: { vi: 'hãy chỉ vị trí: bấm lên bản đồ, hoặc chọn quận và nhập địa chỉ', en: 'say where: click on the map, or give a district and an address' },
  outside_city: { vi: 'vị trí này nằm ngoài thành phố: hãy kéo ghim vào một quận', en: 'this place is outside the city: move the pin into a district' },
  note_required: { vi: 'ghi chú cần có nội dung', en: 'a note needs text' },
  reopen_reason_required: { vi: 'hãy nói lý do mở lại sự cố', en: 'say why the incident is reopened' },
  team_required: { vi: 'hãy chọn đội được giao', en: 'name the team to assign' },
  photo_required: { vi: 'hãy đính kèm ảnh', en: 'attach the photo' },
  malformed_json: { vi: 'nội dung gửi đi không phải JSON hợp lệ', en: 'the body is not valid JSON' },
  unsupported_media_type: { vi: 'máy chủ không nhận nội dung kiểu {type}', en: 'the server does not take a body of type {type}' },
  body_too_large: { vi: 'nội dung gửi đi quá lớn', en: 'the body is too large' },
  no_route: { vi: 'máy chủ không có địa chỉ {method} {path}: hãy tải lại trang (có thể máy chủ đã được cập nhật)', en: 'the server has no {method} {path}: reload the page (the server may have been updated)' },
  multipart_required: { vi: 'hãy gửi biểu mẫu kèm tệp (multipart/form-data)', en: 'send the form with its files (multipart/form-data)' },
  unexpected_file: { vi: 'tệp không mong đợi ở trường "{field}"', en: 'unexpected file in field "{field}"' },
  too_many_files: { vi: 'tối đa {maximum} {what}', en: 'at most {maximum} {what}' },
  clip_too_long: { vi: 'đoạn video dài tối đa {maximum} giây', en: 'the clip may last at most {maximum} s' },
  merge_sources_required: { vi: 'hãy chọn các sự cố cần gộp vào sự cố này', en: 'name the incidents to merge into this one' },
  merge_into_itself: { vi: 'không thể gộp sự cố {id} vào chính nó', en: 'incident {id} cannot be merged into itself' },
  split_items_required: { vi: 'hãy chọn cảnh báo hoặc cuộc gọi cần tách ra', en: 'name the alerts or calls to split off' },
  split_everything: { vi: 'đó là toàn bộ sự cố {id}: hãy đổi nhãn thay vì tách', en: 'that is everything incident {id} has: relabel it instead' },
  false_alarm_needs_resolve: { vi: 'chỉ khi xử lý xong mới có thể đánh dấu báo động giả', en: 'only resolving an alert can call it a false alarm' },
  onvif_device_url: { vi: 'phải là địa chỉ dịch vụ thiết bị ONVIF http(s) lấy từ dò tìm', en: 'must be the http(s) ONVIF device service URL from discovery' },
  position_in_future: { vi: 'vị trí có thời điểm trong tương lai: hãy kiểm tra đồng hồ điện thoại', en: 'the position is dated in the future: check the phone clock' },
  period_not_started: { vi: 'kỳ báo cáo chưa bắt đầu', en: 'the period has not started yet' },
  not_tide_gauge: { vi: 'cảm biến {id} không phải trạm đo triều: chỉ trạm đo triều có dự báo', en: 'sensor {id} is not a tide gauge: forecasts are for tide gauges only' },
  sensor_not_placed: { vi: 'cảm biến {id} chưa có vị trí: hãy đặt nó lên bản đồ trước', en: 'sensor {id} has no location: place it on the map first' },
  sensor_level_unset: { vi: 'cảm biến {id} chưa đặt mức báo động {level}', en: 'sensor {id} has no alarm level {level} set' },
  agency_url_required: { vi: 'cơ quan này cần địa chỉ URL', en: 'this agency needs its URL' },
  agency_disabled: { vi: '{name} đang bị tắt trong danh bạ', en: '{name} is disabled in the registry' },
  user_disabled: { vi: 'người dùng {id} đang bị khóa', en: 'user {id} is disabled' },
  already_assigned: { vi: '{team} đã được giao (bởi {by} lúc {at})', en: '{team} is already assigned (by {by} at {at})' },
  assigned_by_other: { vi: '{by} đã giao {team} lúc {at}; muốn cử đội khác thì hãy giao lại', en: '{by} assigned {team} at {at}; to send another team, reassign' },
  assigned_same_moment: { vi: 'một điều phối viên khác vừa giao đội cho sự cố này cùng lúc; hãy tải lại để xem', en: 'another dispatcher assigned a team at the same moment; reload to see who' },
  already_handed: { vi: 'sự cố {incident} đã được chuyển cho {agency}', en: 'incident {incident} was already handed to {agency}' },
  alert_in_other_incident: { vi: 'cảnh báo {alert} đã thuộc sự cố {incident}: hãy tách ra hoặc gộp các sự cố', en: 'alert {alert} already belongs to incident {incident}: split it off or merge' },
  default_policy_undeletable: { vi: 'không thể xóa chính sách mặc định; hãy đổi thời hạn của nó', en: 'the default policy cannot be deleted; change its deadlines instead' },
  off_duty: { vi: 'bạn đang ngoài ca: hãy bắt đầu ca trên điện thoại để chia sẻ vị trí', en: 'you are off duty: start your duty to share your position' },
  report_already_rejected: { vi: 'phản ánh {code} đã bị {by} từ chối', en: 'report {code} was rejected already by {by}' },
  report_already_rated: { vi: 'phản ánh {code} đã được đánh giá', en: 'report {code} was rated already' },
  already_taken: { vi: 'giá trị này đã được dùng', en: 'already taken' },
  dangling_reference: { vi: 'tham chiếu tới thứ không tồn tại, hoặc vẫn đang được tham chiếu', en: 'refers to something that does not exist, or is still referred to' },
  rule_broken: { vi: 'vi phạm quy tắc {rule}', en: 'breaks the rule {rule}' },
  out_of_range: { vi: 'có giá trị ngoài phạm vi hoặc sai dạng', en: 'a value is out of range or not of the expected form' },
};

/** What a not_found / does_not_exist names. */
export const thingTexts: Record<Thing, ServerText> = {
  camera: { vi: 'camera', en: 'camera' },
  sensor: { vi: 'cảm biến', en: 'sensor' },
  district: { vi: 'quận', en: 'district' },
  camera_owner: { vi: 'chủ camera', en: 'camera owner' },
  owner_link: { vi: 'đường dẫn của chủ camera', en: 'owner link' },
  consent: { vi: 'thỏa thuận chia sẻ của camera', en: 'consent of camera' },
  simulated_camera: { vi: 'camera mô phỏng', en: 'simulated camera' },
  alert: { vi: 'cảnh báo', en: 'alert' },
  alert_clip: { vi: 'đoạn video của cảnh báo', en: 'clip of alert' },
  snapshot: { vi: 'ảnh chụp của cảnh báo', en: 'snapshot of alert' },
  photo: { vi: 'ảnh', en: 'photo' },
  clip: { vi: 'đoạn video', en: 'clip' },
  incident: { vi: 'sự cố', en: 'incident' },
  call: { vi: 'cuộc gọi', en: 'call' },
  team: { vi: 'đội', en: 'team' },
  team_member: { vi: 'thành viên đội', en: 'team member' },
  user: { vi: 'người dùng', en: 'user' },
  agency: { vi: 'cơ quan', en: 'agency' },
  handoff: { vi: 'lần chuyển giao', en: 'handoff' },
  assignment: { vi: 'lần giao việc đang mở của sự cố', en: 'active assignment of incident' },
  dispatch_policy: { vi: 'chính sách điều phối', en: 'dispatch policy' },
  link_rule: { vi: 'quy tắc liên kết', en: 'link rule' },
  joint_rule: { vi: 'quy tắc kết hợp', en: 'joint rule' },
  camera_rule: { vi: 'quy tắc camera', en: 'camera rule' },
  report: { vi: 'báo cáo', en: 'report' },
};

/** The units of a range limit. */
export const unitTexts: Record<Unit, ServerText> = {
  days: { vi: 'ngày', en: 'days' },
  hours: { vi: 'giờ', en: 'hours' },
};

/** A request reason in words; `what` and `unit` are codes themselves, worded before they fill the text. */
function requestReasonText(reason: RequestReason, params: ServerParams | undefined, language: Language): string {
  const worded: ServerParams = { ...params };
  if (has(thingTexts, params?.what)) worded.what = thingTexts[params.what][language];
  if (has(unitTexts, params?.unit)) worded.unit = unitTexts[params.unit][language];
  // An id may be empty ("report not found"): no dangling space.
  return fill(requestReasonTexts[reason][language], worded).replace(/\s+/g, ' ').trim();
}

/** Codes the browser makes itself: their message is the browser's ("Failed to fetch"), not the server's. */
const BROWSER_CODES = new Set(['network']);
/** Codes many different refusals share: their text alone cannot say what to fix. */
const GENERIC_CODES = new Set(['invalid', 'bad_request', 'not_found', 'conflict']);

const has = <K extends string>(record: Record<K, ServerText>, key: unknown): key is K => typeof key === 'string' && Object.hasOwn(record, key);

/** A text with its `{name}` parameters filled in. */
export function fill(text: string, params?: ServerParams): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (params[name] === undefined ? whole : String(params[name])));
}

/** A schema refusal's reason in words: "must be at most 90", "must be at least 3 characters long". */
export function refusalText(reason: RefusalReasonCode, params: ServerParams | undefined, language: Language): string {
  let text = refusalReasonTexts[reason];
  if (reason === 'too_big' || reason === 'too_small') {
    const origin = params?.origin;
    const limit = reason === 'too_big' ? 'too_big' : 'too_small';
    if (origin === 'string' && reason === 'too_small' && params?.minimum === 1) text = limitTexts['too_small.empty'];
    else if (origin === 'string') text = limitTexts[`${limit}.string`];
    else if (origin === 'array' || origin === 'set') text = limitTexts[`${limit}.array`];
    else if (params?.inclusive === false) text = limitTexts[`${limit}.exclusive`];
  }
  return fill(text[language], params);
}

/** What a refusal's `reason` (a schema issue or an import row's own) says, or undefined for a reason no list knows. */
export function reasonText(reason: unknown, params: ServerParams | undefined, language: Language): string | undefined {
  if (has(refusalReasonTexts, reason)) return refusalText(reason, params, language);
  if (has(importRowReasonTexts, reason)) return fill(importRowReasonTexts[reason][language], params);
  if (has(requestReasonTexts, reason)) return requestReasonText(reason, params, language);
  return undefined;
}

/** The parts of a server refusal (ApiError has them all). */
export interface ServerRefusal {
  code: string;
  message: string;
  field?: string;
  reason?: string;
  params?: ServerParams;
  rows?: readonly unknown[];
}

/** Where a refusal is shown: beside its own field, whose label already says which value is meant. */
export interface RefusalPlace {
  besideField?: boolean;
}

/**
 * A server refusal worded in `language`: the field and the reason of a refused value ("lat: must be at
 * most 90"), else the text of the code; the server's English message only for a code no list knows.
 * Beside its own field, the field's name (an English key such as `place`) is left out.
 */
export function serverMessage(refusal: ServerRefusal, language: Language, { besideField = false }: RefusalPlace = {}): string {
  const named = (text: string) => (refusal.field && !besideField ? `${refusal.field}: ${text}` : text);
  if (language === 'en' && refusal.message && !BROWSER_CODES.has(refusal.code)) {
    return besideField && refusal.field && refusal.message.startsWith(`${refusal.field}: `) ? refusal.message.slice(refusal.field.length + 2) : refusal.message;
  }
  const reason = reasonText(refusal.reason, refusal.params, language);
  if (reason) return named(reason);
  if (refusal.code === 'import_rejected') return fill(errorCodeTexts.import_rejected[language], { count: refusal.rows?.length ?? 0 });
  if (has(errorCodeTexts, refusal.code)) {
    // A generic code says only that something was refused; until that refusal has a reason of its own,
    // the server's words ("say where: click on the map…") follow, so nothing the person needs is lost.
    const hint = refusal.field && refusal.message?.startsWith(`${refusal.field}: `) ? refusal.message.slice(refusal.field.length + 2) : refusal.message;
    const detail = GENERIC_CODES.has(refusal.code) && hint ? ` (${hint})` : '';
    return named(errorCodeTexts[refusal.code][language] + detail);
  }
  return refusal.message;
}

/** A bulk-import row error's reason in words (its field has its own column). */
export function importRowMessage(row: { message: string; reason?: string; params?: ServerParams }, language: Language): string {
  if (language === 'en' && row.message) return row.message;
  return reasonText(row.reason, row.params, language) ?? row.message;
}

/** A slot scheduler notice in words; `waiting` is a list of camera ids, shown as a count. */
export function slotNoticeMessage(notice: { code: string; message: string } & Record<string, unknown>, language: Language): string {
  if (!has(slotNoticeTexts, notice.code) || (language === 'en' && notice.message)) return notice.message;
  const params: ServerParams = {};
  for (const [key, value] of Object.entries(notice)) {
    if (Array.isArray(value)) params[key] = value.length;
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') params[key] = value;
  }
  return fill(slotNoticeTexts[notice.code][language], params);
}

/** Why a camera is not online, in words; a reason no list knows falls back to the server's message. */
export function cameraStatusMessage(reason: string | null | undefined, message: string | null | undefined, language: Language): string | null {
  if (language === 'en' && message) return message;
  if (has(cameraStatusTexts, reason)) return cameraStatusTexts[reason][language];
  return message ?? reason ?? null;
}

/** Any failure in words: a server refusal in `language` (by default the one the reader chose), else the error's own message. */
export function errorMessage(error: unknown, language: Language = storedLanguage(), place: RefusalPlace = {}): string {
  const refusal = error as Partial<ServerRefusal> | undefined;
  if (refusal && typeof refusal.code === 'string' && typeof refusal.message === 'string') return serverMessage(refusal as ServerRefusal, language, place);
  return String((error as Error)?.message ?? error);
}
