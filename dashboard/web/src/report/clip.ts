// A clip's length, read in the browser from a <video> element's metadata before the clip is queued, so
// a resident who filmed two minutes is told at once instead of after minutes of upload on a weak link.
/** Seconds, or undefined when this browser cannot read the file (the server then checks it). */
export function clipSeconds(clip: Blob, timeoutMs = 10_000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const video = document.createElement('video');
    const url = URL.createObjectURL(clip);
    const finish = (seconds: number | undefined) => {
      clearTimeout(timer);
      video.removeAttribute('src');
      video.load();
      URL.revokeObjectURL(url);
      resolve(seconds);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    video.preload = 'metadata';
    video.muted = true;
    video.onloadedmetadata = () => finish(Number.isFinite(video.duration) ? video.duration : undefined);
    video.onerror = () => finish(undefined);
    video.src = url;
  });
}
