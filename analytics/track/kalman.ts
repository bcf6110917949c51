// Constant-velocity Kalman filter for one coordinate (position and velocity per second). A box is four
// of these (centre x, centre y, width, height): with block-diagonal motion and diagonal noise, as in
// SORT/ByteTrack, the 8-state filter splits exactly into four independent 2-state filters.
// Time steps are real seconds, so the same filter works at 1 fps and at 5 fps.

export class KalmanAxis {
  position: number;
  velocity = 0;
  // covariance [[pp, pv], [pv, vv]]
  private pp: number;
  private pv = 0;
  private vv: number;

  /**
   * `positionStd`: how far off the first measurement may be; `velocityStd`: how fast the object may
   * plausibly move (per second) before we have seen it move.
   */
  constructor(position: number, positionStd: number, velocityStd: number) {
    this.position = position;
    this.pp = positionStd * positionStd;
    this.vv = velocityStd * velocityStd;
  }

  /** Moves the state `dtSeconds` ahead; `accelerationStd` is the white-noise acceleration (units/s²). */
  predict(dtSeconds: number, accelerationStd: number): void {
    const dt = dtSeconds;
    this.position += this.velocity * dt;
    // P = F P Fᵀ + Q, F = [[1, dt], [0, 1]], Q from continuous white-noise acceleration
    const q = accelerationStd * accelerationStd;
    const pp = this.pp + 2 * dt * this.pv + dt * dt * this.vv + (q * dt ** 4) / 4;
    const pv = this.pv + dt * this.vv + (q * dt ** 3) / 2;
    const vv = this.vv + q * dt * dt;
    this.pp = pp;
    this.pv = pv;
    this.vv = vv;
  }

  /** Folds in a measured position with standard deviation `measurementStd`. */
  update(measured: number, measurementStd: number): void {
    const s = this.pp + measurementStd * measurementStd;
    const gainPosition = this.pp / s;
    const gainVelocity = this.pv / s;
    const innovation = measured - this.position;
    this.position += gainPosition * innovation;
    this.velocity += gainVelocity * innovation;
    const pp = (1 - gainPosition) * this.pp;
    const pv = (1 - gainPosition) * this.pv;
    const vv = this.vv - gainVelocity * this.pv;
    this.pp = pp;
    this.pv = pv;
    this.vv = vv;
  }
}
