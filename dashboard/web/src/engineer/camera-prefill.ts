// Hands a camera found by ONVIF discovery to the new-camera form. Kept in memory only (not in the URL
// or storage) because it may carry the camera's password; cleared once the form has it, so a later
// "new camera" starts blank.
export interface CameraPrefill {
  /** What the values came from, shown above the form. */
  source: string;
  id: string;
  name: string;
  rtspUrl: string;
  username: string;
  password: string;
}

let pending: CameraPrefill | undefined;

export function offerCameraPrefill(prefill: CameraPrefill): void {
  pending = prefill;
}

/** Read in a state initializer (which React may call twice), cleared by the form once mounted. */
export function peekCameraPrefill(): CameraPrefill | undefined {
  return pending;
}

export function clearCameraPrefill(): void {
  pending = undefined;
}
