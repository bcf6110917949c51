// Harmonic tide prediction: the tide is a sum of cosines at speeds fixed by the moon and the sun
// (constituents), so a few days of a gauge's readings fix each one's amplitude and phase, and the sum
// predicts the days ahead. Least squares over the readings, in the way of classical harmonic analysis
// (Foreman's IOS method, t_tide, UTide), without nodal corrections: those change over months and are
// absorbed in a fit redone every few minutes from the last days.
//
// Which constituents: only those the window can tell apart (the Rayleigh criterion: two speeds are
// separable when they drift a full turn apart over the window). Three days separate M2 from K1 but not
// S2 from M2 (that takes 14.8 days) nor O1 from K1 (13.7 days); a month separates those too. A fit of two
// constituents the data cannot separate would give each a large, opposite amplitude and forecast
// nonsense.
//
// A constituent too close to a bigger one for the window (N2 beside M2 under 28 days, P1 beside K1
// under half a year) is not dropped but inferred: carried at the equilibrium tide's ratio to its big
// neighbour, with the phase difference the moon's and sun's mean longitudes give on the day (the way
// t_tide infers). Left out, its 20 to 35 % of the neighbour's amplitude beats against it and the fit
// is wrong by that much days later. Not for an accelerated simulator, whose clock is not the moon's.
//
// Readings that a broken gauge or a wave made are taken out: after a first fit, readings further than
// five robust standard deviations (1.4826 × the median absolute residual) from it are dropped and the
// fit is done again.

/** Speeds in degrees per hour, from the Doodson numbers; the order is the order of importance. */
export const CONSTITUENTS = [
  { name: 'M2', speed: 28.9841042 },
  { name: 'K1', speed: 15.0410686 },
  { name: 'S2', speed: 30.0 },
  { name: 'O1', speed: 13.9430356 },
  { name: 'N2', speed: 28.4397295 },
  { name: 'P1', speed: 14.9589314 },
  { name: 'K2', speed: 30.0821373 },
  { name: 'Q1', speed: 13.3986609 },
  { name: 'M4', speed: 57.9682084 },
  { name: 'MS4', speed: 58.9841042 },
  { name: 'MN4', speed: 57.4238337 },
  { name: 'M6', speed: 86.9523127 },
] as const;

export type ConstituentName = (typeof CONSTITUENTS)[number]['name'];

/** Mean longitudes (degrees) of the moon (s), the sun (h) and the lunar perigee (p) at an instant. */
export function meanLongitudes(at: number): { s: number; h: number; p: number } {
  const days = (at - Date.UTC(2000, 0, 1, 12)) / 86_400_000;
  return { s: 218.3165 + 13.17639648 * days, h: 280.4661 + 0.98564736 * days, p: 83.3532 + 0.11140353 * days };
}

/**
 * The inferred constituents: amplitude = ratio × the neighbour's (equilibrium tide), and the neighbour's
 * astronomical argument minus theirs (degrees) at an instant. Their speeds differ by that argument's rate.
 */
const INFERRED = [
  { name: 'N2', from: 'M2', ratio: 0.1915, argumentGap: (l: ReturnType<typeof meanLongitudes>) => l.s - l.p },
  { name: 'P1', from: 'K1', ratio: 0.3309, argumentGap: (l: ReturnType<typeof meanLongitudes>) => 2 * l.h - 180 },
  { name: 'K2', from: 'S2', ratio: 0.2717, argumentGap: (l: ReturnType<typeof meanLongitudes>) => -2 * l.h },
  { name: 'Q1', from: 'O1', ratio: 0.1942, argumentGap: (l: ReturnType<typeof meanLongitudes>) => l.s - l.p },
] as const;

export interface TideSample {
  /** Milliseconds since the epoch. */
  at: number;
  /** Metres. */
  level: number;
}

export interface FittedConstituent {
  name: ConstituentName;
  /** Degrees per hour of tide time. */
  speed: number;
  /** Metres. */
  amplitude: number;
  /** Degrees: the constituent peaks when speed × (tide hours since the reference) = phase. */
  phase: number;
  /** Carried at a ratio to a bigger neighbour the window could not separate it from (see above). */
  inferredFrom?: ConstituentName;
}

export interface TideModel {
  /** The instant the phases count from (the middle of the window). */
  referenceAt: number;
  /** Tide hours per real hour: 1 for a real gauge; the simulator's time factor for the demo's. */
  timeFactor: number;
  mean: number;
  constituents: FittedConstituent[];
  fittedFrom: number;
  fittedTo: number;
  /** Readings the fit used, and those it dropped as outliers. */
  samples: number;
  outliers: number;
  /** Root mean square of the residuals of the readings used, metres. */
  residualRms: number;
}

export interface FitOptions {
  /** Tide hours per real hour (default 1). */
  timeFactor?: number;
  /** The window must span at least this many tide hours (default 48: two days, M2 and K1 apart). */
  minSpanHours?: number;
  /** A constituent joins only when it drifts this many turns from each one already in (default 1). */
  rayleigh?: number;
  /** Infer the constituents the window cannot separate (default: with a real clock and at least 14 days). */
  infer?: boolean;
}

/** Why there is no model: too little data. The message says what is missing, for the screen and the log. */
export class NotEnoughTideData extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotEnoughTideData';
  }
}

const HOUR_MS = 3_600_000;
const DEG = Math.PI / 180;
const OUTLIER_SIGMAS = 5;
const INFER_FROM_HOURS = 14 * 24;

/** The constituents a window of `spanHours` tide hours can separate, in order of importance. */
export function separableConstituents(spanHours: number, rayleigh = 1): Array<(typeof CONSTITUENTS)[number]> {
  const chosen: Array<(typeof CONSTITUENTS)[number]> = [];
  for (const candidate of CONSTITUENTS) {
    if (chosen.every((other) => Math.abs(candidate.speed - other.speed) * spanHours >= 360 * rayleigh)) chosen.push(candidate);
  }
  return chosen;
}

export function fitTide(samples: readonly TideSample[], options: FitOptions = {}): TideModel {
  const timeFactor = options.timeFactor ?? 1;
  const minSpanHours = options.minSpanHours ?? 48;
  const usable = samples.filter((sample) => Number.isFinite(sample.at) && Number.isFinite(sample.level));
  if (usable.length < 24) throw new NotEnoughTideData(`${usable.length} readings; at least 24 are needed`);
  let first = Infinity;
  let last = -Infinity;
  for (const sample of usable) {
    first = Math.min(first, sample.at);
    last = Math.max(last, sample.at);
  }
  const spanHours = ((last - first) / HOUR_MS) * timeFactor;
  if (spanHours < minSpanHours) throw new NotEnoughTideData(`readings span ${spanHours.toFixed(1)} tide hours; at least ${minSpanHours} are needed`);
  const chosen = separableConstituents(spanHours, options.rayleigh ?? 1);
  // There must be more readings than unknowns, with room to spare.
  while (chosen.length > 1 && usable.length < 4 * (2 * chosen.length + 1)) chosen.pop();
  const referenceAt = (first + last) / 2;
  const hoursOf = (at: number) => ((at - referenceAt) / HOUR_MS) * timeFactor;
  // Inference needs the moon's clock, and two weeks: over a few days a small neighbour is simply part of
  // its big one's fitted amplitude, and inferring it would only add a term the tide may not have.
  const infer = options.infer ?? (timeFactor === 1 && spanHours >= INFER_FROM_HOURS);
  const columns = fittedColumns(chosen, infer, referenceAt);

  let kept = usable;
  let coefficients = leastSquares(kept, columns, hoursOf);
  const residuals = kept.map((sample) => sample.level - evaluate(coefficients, columns, hoursOf(sample.at)));
  const sigma = 1.4826 * median(residuals.map(Math.abs));
  if (sigma > 0) {
    const limit = OUTLIER_SIGMAS * sigma;
    const inliers = kept.filter((_, i) => Math.abs(residuals[i]) <= limit);
    if (inliers.length < kept.length && inliers.length >= 4 * (2 * chosen.length + 1)) {
      kept = inliers;
      coefficients = leastSquares(kept, columns, hoursOf);
    }
  }
  let squares = 0;
  for (const sample of kept) squares += (sample.level - evaluate(coefficients, columns, hoursOf(sample.at))) ** 2;

  const constituents: FittedConstituent[] = [];
  columns.forEach((column, i) => {
    const a = coefficients[1 + 2 * i];
    const b = coefficients[2 + 2 * i];
    // a cos(ωt) + b sin(ωt) = A cos(ωt − φ)
    const amplitude = Math.hypot(a, b);
    const phase = Math.atan2(b, a) / DEG;
    constituents.push({ name: column.name, speed: column.speed, amplitude, phase: degrees(phase) });
    for (const partner of column.partners) {
      constituents.push({ name: partner.name, speed: partner.speed, amplitude: partner.ratio * amplitude, phase: degrees(phase + partner.shift), inferredFrom: column.name });
    }
  });

  return {
    referenceAt,
    timeFactor,
    mean: coefficients[0],
    constituents,
    fittedFrom: first,
    fittedTo: last,
    samples: kept.length,
    outliers: usable.length - kept.length,
    residualRms: Math.sqrt(squares / kept.length),
  };
}

/** The predicted level (metres) at `at` (ms since the epoch). */
export function predictTide(model: TideModel, at: number): number {
  const hours = ((at - model.referenceAt) / HOUR_MS) * model.timeFactor;
  let level = model.mean;
  for (const constituent of model.constituents) level += constituent.amplitude * Math.cos((constituent.speed * hours - constituent.phase) * DEG);
  return level;
}

/** Predicted levels from `from` to `to` every `stepMs`. */
export function predictSeries(model: TideModel, from: number, to: number, stepMs: number): TideSample[] {
  const points: TideSample[] = [];
  for (let at = from; at <= to; at += stepMs) points.push({ at, level: predictTide(model, at) });
  return points;
}

/**
 * The first instant in [from, to] the prediction reaches `threshold`, to within `resolutionMs`, or null.
 * Scans at a step far shorter than half a period of the fastest constituent, then bisects the crossing.
 */
export function firstCrossing(model: TideModel, threshold: number, from: number, to: number, resolutionMs = 60_000): number | null {
  const fastest = Math.max(...model.constituents.map((constituent) => constituent.speed), 1);
  // A twentieth of the fastest period, in real time.
  const step = Math.max(resolutionMs, ((360 / fastest / 20) * HOUR_MS) / model.timeFactor);
  if (predictTide(model, from) >= threshold) return from;
  for (let at = from; at < to; at += step) {
    const next = Math.min(at + step, to);
    if (predictTide(model, next) < threshold) continue;
    let low = at;
    let high = next;
    while (high - low > resolutionMs) {
      const middle = (low + high) / 2;
      if (predictTide(model, middle) >= threshold) high = middle;
      else low = middle;
    }
    return high;
  }
  return null;
}

const degrees = (angle: number) => ((angle % 360) + 360) % 360;

/**
 * A fitted constituent and the inferred ones riding on it: `shift` is the phase the partner lags its
 * neighbour by (its argument gap at the reference instant), so the partner is
 * ratio × A cos(ω' t − φ − shift) for the neighbour's A cos(ω t − φ): still linear in the neighbour's a, b.
 */
interface Column {
  name: ConstituentName;
  speed: number;
  partners: Array<{ name: ConstituentName; speed: number; ratio: number; shift: number }>;
}

function fittedColumns(chosen: ReadonlyArray<(typeof CONSTITUENTS)[number]>, infer: boolean, referenceAt: number): Column[] {
  const longitudes = meanLongitudes(referenceAt);
  const fitted = new Set<string>(chosen.map((constituent) => constituent.name));
  return chosen.map((constituent) => ({
    name: constituent.name,
    speed: constituent.speed,
    partners: infer
      ? INFERRED.filter((inferred) => inferred.from === constituent.name && !fitted.has(inferred.name)).map((inferred) => ({
          name: inferred.name,
          speed: CONSTITUENTS.find((candidate) => candidate.name === inferred.name)!.speed,
          ratio: inferred.ratio,
          shift: inferred.argumentGap(longitudes),
        }))
      : [],
  }));
}

/** The cosine and sine columns of one constituent (with its inferred partners) at `hours`. */
function columnValues(column: Column, hours: number): [number, number] {
  const angle = column.speed * hours * DEG;
  let cos = Math.cos(angle);
  let sin = Math.sin(angle);
  for (const partner of column.partners) {
    const partnerAngle = (partner.speed * hours - partner.shift) * DEG;
    cos += partner.ratio * Math.cos(partnerAngle);
    sin += partner.ratio * Math.sin(partnerAngle);
  }
  return [cos, sin];
}

function evaluate(coefficients: number[], columns: Column[], hours: number): number {
  let level = coefficients[0];
  for (let i = 0; i < columns.length; i++) {
    const [cos, sin] = columnValues(columns[i], hours);
    level += coefficients[1 + 2 * i] * cos + coefficients[2 + 2 * i] * sin;
  }
  return level;
}

/** Mean, then a cosine and a sine per constituent, by the normal equations (solved by Cholesky). */
function leastSquares(samples: readonly TideSample[], columns: Column[], hoursOf: (at: number) => number): number[] {
  const n = 1 + 2 * columns.length;
  const normal = Array.from({ length: n }, () => new Float64Array(n));
  const right = new Float64Array(n);
  const row = new Float64Array(n);
  for (const sample of samples) {
    const hours = hoursOf(sample.at);
    row[0] = 1;
    for (let i = 0; i < columns.length; i++) [row[1 + 2 * i], row[2 + 2 * i]] = columnValues(columns[i], hours);
    for (let i = 0; i < n; i++) {
      right[i] += row[i] * sample.level;
      for (let j = 0; j <= i; j++) normal[i][j] += row[i] * row[j];
    }
  }
  // A whisper of ridge keeps the system solvable when a gap leaves two columns almost alike.
  for (let i = 0; i < n; i++) normal[i][i] += 1e-9 * samples.length;
  return choleskySolve(normal, right);
}

/** Solves A x = b for a symmetric positive definite A given by its lower triangle. */
function choleskySolve(a: Float64Array[], b: Float64Array): number[] {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (sum <= 0) throw new NotEnoughTideData('the readings cannot separate the tide constituents (too many gaps)');
        l[i][i] = Math.sqrt(sum);
      } else {
        l[i][j] = sum / l[j][j];
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
    y[i] = sum / l[i][i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k][i] * x[k];
    x[i] = sum / l[i][i];
  }
  return x;
}

function median(values: number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
