// Fault injection into a running camera simulator from another process (the CLI, a bench, a test):
// one RTSP SET_PARAMETER request on loopback, answered 200 or 400 with the reason.
import net from 'node:net';
import { AppError } from '@cityops/core/errors';

export async function sendSimulatorFault(port: number, cameraId: string, fault: string, host = '127.0.0.1'): Promise<void> {
  const body = `fault: ${fault}\r\n`;
  const request =
    `SET_PARAMETER rtsp://${host}:${port}/${cameraId} RTSP/1.0\r\nCSeq: 1\r\n` +
    `Content-Type: text/parameters\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const response = await new Promise<string>((resolve, reject) => {
    const socket = net.connect({ host, port }, () => socket.write(request));
    let text = '';
    socket.setEncoding('latin1');
    socket.setTimeout(60_000, () => socket.destroy(new Error('simulator did not answer')));
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n\r\n')) {
        socket.end();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
  const status = Number(/^RTSP\/1\.0 (\d{3})/.exec(response)?.[1]);
  if (status !== 200) {
    const reason = /X-Error: (.*)\r\n/.exec(response)?.[1] ?? response.split('\r\n')[0];
    throw new AppError('simulator_refused', `simulator refused fault ${fault} for ${cameraId}: ${reason}`);
  }
}
