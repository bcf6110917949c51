import { describe, expect, it } from 'vitest';
import { redactUrl } from './logger.ts';

describe('redactUrl', () => {
  it('hides user:password@ and credential query values, keeping the rest of the URL', () => {
    expect(redactUrl('rtsp://admin:s3cret@10.0.0.5:554/ch1?channel=1&subtype=0')).toBe('rtsp://admin:***@10.0.0.5:554/ch1?channel=1&subtype=0');
    expect(redactUrl('rtsp://10.0.0.5/live?channel=1&User=admin&PWD=s3cret&token=abc')).toBe('rtsp://10.0.0.5/live?channel=1&User=***&PWD=***&token=***');
  });

  it('hides every URL of an ffmpeg line, a quote in the password included', () => {
    const line = "[concat @ 0x55] Impossible to open 'rtsp://u:p'w@10.0.0.5/a?password=q'x' and 'rtsp://v:s3cret@10.0.0.6/b'";
    const redacted = redactUrl(line);
    expect(redacted).not.toMatch(/p'w|q'x|s3cret/);
    expect(redacted).toContain('rtsp://v:***@10.0.0.6/b');
  });
});
