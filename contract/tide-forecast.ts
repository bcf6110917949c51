// GET /api/sensors/{id}/forecast: a tide gauge's forecast as the sensors page draws it. No zod: the web
// bundles this module.

export interface TideForecastView {
  sensorId: string;
  /** When the model was fitted; null when no forecast was ever made for this gauge. */
  madeAt: string | null;
  /** Why there is no forecast (too few readings, a gap…), or null. */
  reason: string | null;
  /** Tide hours per real hour (1, or the demo simulator's time factor). */
  timeFactor: number;
  model: {
    fittedFrom: string;
    fittedTo: string;
    samples: number;
    outliers: number;
    /** How far the readings stray from the fitted tide, centimetres. */
    residualRmsCm: number;
    constituents: Array<{ name: string; amplitude: number; phase: number; inferredFrom?: string }>;
  } | null;
  /** The first time each alarm level is expected within the horizon. */
  expectedLevels: Array<{ level: 1 | 2 | 3; at: string }>;
  /** The highest water within the horizon. */
  peak: { at: string; level: number } | null;
  horizonUntil: string | null;
  /** The forecast from `from` (default a day before it was made) to the horizon: hindcast, then forecast. */
  points: Array<{ at: string; level: number }>;
}
