// Salinity above a limit (g/L): the intake of a water plant or an irrigation canal must close when sea
// water pushes up the river in the dry season. Raised above the limit, cleared below limit − hysteresis.

export function nextSalinityAlarm(active: boolean, value: number, limit: number, hysteresis: number): boolean {
  if (value > limit) return true;
  if (value < limit - hysteresis) return false;
  return active;
}
