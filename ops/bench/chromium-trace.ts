// Where Chromium spent a first render, from its own trace (the events DevTools' Performance panel
// shows): for each busy thread (the page's main thread, MapLibre's worker, the GPU process running
// software WebGL), its busy time and the events that took it, by self time (an event's duration less
// the events nested in it), biggest first.

interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

/** Trace categories that name the work without recording every call (a light trace). */
export const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink.user_timing'];

export function summariseTrace(trace: Buffer, threads: number, eventsPerThread: number): string[] {
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const processNames = new Map<number, string>();
  const threadNames = new Map<string, string>();
  for (const event of events) {
    if (event.ph !== 'M') continue;
    if (event.name === 'process_name') processNames.set(event.pid, event.args?.name ?? String(event.pid));
    if (event.name === 'thread_name') threadNames.set(`${event.pid}:${event.tid}`, event.args?.name ?? String(event.tid));
  }
  const byThread = new Map<string, TraceEvent[]>();
  for (const event of events) {
    if (event.ph !== 'X' || !event.dur) continue;
    const key = `${event.pid}:${event.tid}`;
    byThread.set(key, [...(byThread.get(key) ?? []), event]);
  }
  const summaries = [...byThread].map(([key, list]) => {
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const self = new Map<string, number>();
    const open: { end: number; name: string }[] = [];
    let busyUs = 0;
    for (const event of list) {
      while (open.length && open[open.length - 1].end <= event.ts) open.pop();
      const parent = open[open.length - 1];
      if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - event.dur!);
      else busyUs += event.dur!;
      self.set(event.name, (self.get(event.name) ?? 0) + event.dur!);
      open.push({ end: event.ts + event.dur!, name: event.name });
    }
    const pid = Number(key.split(':')[0]);
    return { label: `${processNames.get(pid) ?? pid}/${threadNames.get(key) ?? key}`, busyUs, self };
  });
  const ms = (us: number) => Math.round(us / 1000);
  return summaries
    .sort((a, b) => b.busyUs - a.busyUs)
    .slice(0, threads)
    .flatMap((thread) => [
      `${thread.label}: busy ${ms(thread.busyUs)} ms`,
      ...[...thread.self]
        .sort((a, b) => b[1] - a[1])
        .slice(0, eventsPerThread)
        .map(([name, us]) => `  ${name} ${ms(us)} ms`),
    ]);
}
