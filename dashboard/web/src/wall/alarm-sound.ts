// The wall's audible alarm: three short two-tone beeps made with WebAudio (no audio file to load).
// Browsers start an AudioContext suspended until a user gesture unless the kiosk allows autoplay;
// `blocked` tells the wall to show its "enable sound" button.
export class AlarmSound {
  private context?: AudioContext;

  constructor() {
    try {
      this.context = new AudioContext();
    } catch {
      this.context = undefined;
    }
  }

  get blocked(): boolean {
    return !this.context || this.context.state !== 'running';
  }

  async unlock(): Promise<boolean> {
    if (!this.context) return false;
    await this.context.resume().catch(() => {});
    return this.context.state === 'running';
  }

  /** Plays the alarm; false when the browser did not let it sound. */
  async beep(): Promise<boolean> {
    if (!this.context) return false;
    if (this.context.state !== 'running') await this.context.resume().catch(() => {});
    if (this.context.state !== 'running') return false;
    const start = this.context.currentTime + 0.02;
    for (let i = 0; i < 3; i++) {
      for (const [offset, frequency] of [[0, 880], [0.16, 660]] as const) {
        const oscillator = this.context.createOscillator();
        const gain = this.context.createGain();
        const at = start + i * 0.45 + offset;
        oscillator.type = 'square';
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.25, at + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.14);
        oscillator.connect(gain).connect(this.context.destination);
        oscillator.start(at);
        oscillator.stop(at + 0.15);
      }
    }
    return true;
  }

  close(): void {
    void this.context?.close().catch(() => {});
  }
}
