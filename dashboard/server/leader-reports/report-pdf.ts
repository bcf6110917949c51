// A report as PDF (pdfkit, pure JavaScript: no browser on the server). The built-in PDF fonts have no
// Vietnamese letters, so the text is set in DejaVu Sans (dejavu-fonts-ttf), embedded as a subset.
// Charts are vector bars and lines: alerts by kind, district and severity; vehicles per hour stacked
// by class; each gauge's peak against its three alarm levels; rain per gauge.
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { CITY_TIME_ZONE } from '@cityops/contract/leader-reports';
import type { LabelledCount, LeaderReportData } from './report-data.ts';
import { reportText, type ReportTextKey } from './report-text.ts';

const require = createRequire(import.meta.url);
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

const MARGIN = 40;
const PAGE = { width: 595.28, height: 841.89 };
const WIDTH = PAGE.width - 2 * MARGIN;
const INK = '#1f2933';
const MUTED = '#6b7785';
const GRID = '#d5dbe1';
const BAR = '#2f6fb2';
const SEVERITY_COLOURS: Record<string, string> = { critical: '#c0392b', major: '#e67e22', minor: '#d4ac0d', info: '#5d8aa8' };
const CLASS_COLOURS = ['#2f6fb2', '#e67e22', '#27ae60', '#8e44ad', '#c0392b', '#7f8c8d'];
/** Alarm levels 1–3: yellow, orange, red, as the map colours gauges. */
const LEVEL_COLOURS = ['#d4ac0d', '#e67e22', '#c0392b'];

export async function reportPdf(report: LeaderReportData): Promise<Buffer> {
  const { language } = report;
  const text = (key: ReportTextKey) => reportText(language, key);
  const locale = language === 'vi' ? 'vi-VN' : 'en-GB';
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const dateTime = new Intl.DateTimeFormat(locale, { timeZone: CITY_TIME_ZONE, dateStyle: 'medium', timeStyle: 'short' });
  const date = new Intl.DateTimeFormat(locale, { timeZone: CITY_TIME_ZONE, dateStyle: 'full' });
  const title = text(report.period.kind === 'daily' ? 'dailyTitle' : 'weeklyTitle');

  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: `${title} ${report.period.day}`, Author: 'CityOps' }, lang: language });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  doc.registerFont('body', FONT);
  doc.registerFont('bold', FONT_BOLD);

  const bottom = PAGE.height - MARGIN;
  /** A new page when fewer than `height` points are left on this one. */
  const room = (height: number) => {
    if (doc.y + height > bottom) doc.addPage();
  };
  const heading = (key: ReportTextKey, height: number) => {
    room(height + 30);
    doc.moveDown(0.6).font('bold').fontSize(13).fillColor(INK).text(text(key), MARGIN, doc.y);
    doc.moveDown(0.3);
  };
  const none = () => {
    doc.font('body').fontSize(9).fillColor(MUTED).text(text('none'), MARGIN, doc.y);
    doc.moveDown(0.5);
  };
  /** A label cut with an ellipsis to one line of `width` in the current font (long gauge names would wrap). */
  const fit = (label: string, width: number) => {
    if (doc.widthOfString(label) <= width) return label;
    let cut = label;
    while (cut.length > 1 && doc.widthOfString(`${cut}…`) > width) cut = cut.slice(0, -1);
    return `${cut.trimEnd()}…`;
  };

  // Title block.
  doc.font('bold').fontSize(20).fillColor(INK).text(title, MARGIN, MARGIN);
  const lastDay = new Date(report.period.to.getTime() - 1);
  const periodText = report.period.kind === 'daily' ? date.format(report.period.from) : `${date.format(report.period.from)} – ${date.format(lastDay)}`;
  doc.font('body').fontSize(10).fillColor(MUTED);
  doc.text(`${text('period')}: ${periodText} · ${text('timeNote')}`);
  doc.text(`${text('generated')}: ${dateTime.format(report.generatedAt)}`);

  // Summary figures.
  heading('summary', 40);
  const summary: Array<[string, string]> = [
    [text('alerts'), number.format(report.alerts.total)],
    [text('incidents'), number.format(report.incidents.total.incidents)],
    [text('vehicles'), number.format(report.traffic.total)],
    [text('devices'), `${report.devices.expectedReadings ? number.format((100 * report.devices.readings) / report.devices.expectedReadings) : '–'} %`],
  ];
  const boxWidth = WIDTH / summary.length;
  const boxTop = doc.y;
  summary.forEach(([label, value], index) => {
    const x = MARGIN + index * boxWidth;
    doc.roundedRect(x + 2, boxTop, boxWidth - 4, 44, 4).fillAndStroke('#eef2f6', GRID);
    doc.font('bold').fontSize(16).fillColor(INK).text(value, x + 8, boxTop + 6, { width: boxWidth - 16 });
    doc.font('body').fontSize(8).fillColor(MUTED).text(label, x + 8, boxTop + 28, { width: boxWidth - 16 });
  });
  doc.y = boxTop + 52;

  /** Horizontal bars: label, bar scaled to the largest count, the count. */
  const bars = (rows: LabelledCount[], colour: (row: LabelledCount) => string = () => BAR) => {
    if (rows.length === 0) return none();
    const labelWidth = 170;
    const barWidth = WIDTH - labelWidth - 50;
    const max = Math.max(...rows.map((row) => row.count), 1);
    for (const row of rows) {
      room(16);
      const y = doc.y;
      doc.font('body').fontSize(9).fillColor(INK);
      doc.text(fit(row.label, labelWidth - 8), MARGIN, y + 1, { lineBreak: false });
      doc.rect(MARGIN + labelWidth, y + 1, Math.max(1, (barWidth * row.count) / max), 10).fill(colour(row));
      doc.fillColor(INK).text(number.format(row.count), MARGIN + labelWidth + (barWidth * row.count) / max + 4, y + 1, { lineBreak: false });
      doc.y = y + 15;
    }
  };

  heading('alertsByKind', 16 * Math.min(report.alerts.byKind.length, 3));
  bars(report.alerts.byKind);
  heading('alertsByDistrict', 16 * Math.min(report.alerts.byDistrict.length, 3));
  bars(report.alerts.byDistrict);
  heading('alertsBySeverity', 16 * report.alerts.bySeverity.length);
  bars(report.alerts.bySeverity, (row) => SEVERITY_COLOURS[row.key] ?? BAR);

  // Response times: a table.
  heading('responseTimes', 60);
  const minutes = (seconds: number | null) => (seconds === null ? '–' : `${number.format(seconds / 60)} ${language === 'vi' ? 'phút' : 'min'}`);
  const columns: Array<{ title: string; width: number }> = [
    { title: text('kind'), width: 130 },
    { title: text('incidents'), width: 55 },
    { title: text('resolved'), width: 55 },
    { title: text('acknowledgeMedian'), width: 75 },
    { title: text('arriveMedian'), width: 75 },
    { title: text('resolveMedian'), width: 75 },
    { title: text('pastDeadline'), width: WIDTH - 465 },
  ];
  const tableRow = (cells: string[], font: 'body' | 'bold', height = 14) => {
    room(height);
    const y = doc.y;
    let x = MARGIN;
    cells.forEach((cell, index) => {
      doc.font(font).fontSize(8).fillColor(INK).text(cell, x + 2, y + 2, { width: columns[index].width - 4, height, ellipsis: true });
      x += columns[index].width;
    });
    doc.moveTo(MARGIN, y + height).lineTo(MARGIN + WIDTH, y + height).lineWidth(0.5).strokeColor(GRID).stroke();
    doc.y = y + height + 1;
  };
  tableRow(columns.map((column) => column.title), 'bold', 24);
  for (const row of [...report.incidents.byKind, report.incidents.total]) {
    tableRow(
      [row.label, number.format(row.incidents), number.format(row.resolved), minutes(row.acknowledgeMedianSeconds), minutes(row.arriveMedianSeconds), minutes(row.resolveMedianSeconds), number.format(row.pastDeadline)],
      row.key === '*' ? 'bold' : 'body',
    );
  }

  // Traffic: 24 stacked bars, one per city hour, a colour per vehicle class.
  heading('traffic', 190);
  if (report.traffic.total === 0) none();
  else {
    const top = doc.y + 4;
    const chartHeight = 130;
    const axisLeft = MARGIN + 36;
    const slot = (WIDTH - 36) / 24;
    const hourTotals = report.traffic.byHour.map(({ counts }) => Object.values(counts).reduce((sum, count) => sum + count, 0));
    const max = Math.max(...hourTotals, 1);
    doc.font('body').fontSize(7).fillColor(MUTED);
    for (const fraction of [0, 0.5, 1]) {
      const y = top + chartHeight * (1 - fraction);
      doc.moveTo(axisLeft, y).lineTo(MARGIN + WIDTH, y).lineWidth(0.5).strokeColor(GRID).stroke();
      doc.text(number.format(Math.round(max * fraction)), MARGIN, y - 4, { width: 32, align: 'right', lineBreak: false });
    }
    report.traffic.byHour.forEach(({ hour, counts }) => {
      let y = top + chartHeight;
      report.traffic.classes.forEach((vehicleClass, index) => {
        const height = (chartHeight * (counts[vehicleClass.key] ?? 0)) / max;
        if (height <= 0) return;
        y -= height;
        doc.rect(axisLeft + hour * slot + 2, y, slot - 4, height).fill(CLASS_COLOURS[index % CLASS_COLOURS.length]);
      });
      doc.fillColor(MUTED).text(String(hour), axisLeft + hour * slot, top + chartHeight + 3, { width: slot, align: 'center', lineBreak: false });
    });
    doc.text(text('hour'), axisLeft, top + chartHeight + 13, { lineBreak: false });
    // Legend.
    let x = axisLeft + 40;
    const legendY = top + chartHeight + 13;
    report.traffic.classes.forEach((vehicleClass, index) => {
      doc.rect(x, legendY + 1, 8, 8).fill(CLASS_COLOURS[index % CLASS_COLOURS.length]);
      const label = `${vehicleClass.label} (${number.format(vehicleClass.count)})`;
      doc.fillColor(INK).fontSize(8).text(label, x + 11, legendY, { lineBreak: false });
      x += 11 + doc.widthOfString(label) + 12;
    });
    doc.y = legendY + 16;
  }

  // Water level peaks: the peak as a bar, the alarm levels as vertical lines across it.
  heading('tide', 40);
  if (report.gauges.length === 0) none();
  const labelWidth = 150;
  const scaleWidth = WIDTH - labelWidth - 110;
  for (const gauge of report.gauges) {
    room(34);
    const y = doc.y;
    const known = [gauge.peak, ...gauge.levels].filter((value): value is number => value !== null);
    const max = Math.max(...known, 1) * 1.1;
    const at = (value: number) => MARGIN + labelWidth + (scaleWidth * Math.max(0, value)) / max;
    doc.font('body').fontSize(9).fillColor(INK);
    doc.text(fit(gauge.label, labelWidth - 8), MARGIN, y + 2, { lineBreak: false });
    doc.rect(MARGIN + labelWidth, y + 2, scaleWidth, 12).fill('#eef2f6');
    if (gauge.peak !== null) doc.rect(MARGIN + labelWidth, y + 2, at(gauge.peak) - MARGIN - labelWidth, 12).fill(gauge.levelReached ? LEVEL_COLOURS[gauge.levelReached - 1] : BAR);
    gauge.levels.forEach((level, index) => {
      if (level === null) return;
      doc.moveTo(at(level), y - 1).lineTo(at(level), y + 17).lineWidth(1.5).strokeColor(LEVEL_COLOURS[index]).stroke();
      // The level's number under its line; the values are written out below the bar (lines can be close).
      doc.font('bold').fontSize(6).fillColor(LEVEL_COLOURS[index]).text(String(index + 1), at(level) - 5, y + 18, { width: 10, align: 'center', lineBreak: false });
    });
    const levelsText = gauge.levels.map((level) => (level === null ? '–' : number.format(level))).join(' / ');
    doc.font('body').fontSize(7).fillColor(MUTED).text(`${text('level')} 1 / 2 / 3: ${levelsText} ${gauge.unit}`, MARGIN, y + 16, { width: labelWidth + 100, lineBreak: false });
    const peakText = gauge.peak === null ? '–' : `${text('peak')} ${number.format(gauge.peak)} ${gauge.unit}`;
    doc.font('bold').fontSize(8).fillColor(INK).text(peakText, MARGIN + labelWidth + scaleWidth + 6, y + 1, { width: 104, lineBreak: false });
    if (gauge.peakAt) doc.font('body').fontSize(7).fillColor(MUTED).text(`${text('peakAt')} ${dateTime.format(gauge.peakAt)}`, MARGIN + labelWidth + scaleWidth + 6, y + 11, { width: 104, lineBreak: false });
    doc.y = y + 32;
  }

  heading('rainfall', 16 * Math.min(report.rainfall.length, 3));
  bars(report.rainfall.map((gauge) => ({ key: gauge.key, label: `${gauge.label} (${gauge.unit})`, count: gauge.total })));

  // Devices.
  heading('devices', 60);
  const { devices } = report;
  const line = (label: string, value: string) => {
    room(14);
    const y = doc.y;
    doc.font('body').fontSize(9).fillColor(INK).text(label, MARGIN, y, { width: 330, lineBreak: false });
    doc.font('bold').text(value, MARGIN + 340, y, { lineBreak: false });
    doc.y = y + 14;
  };
  const percent = devices.expectedReadings ? `${number.format((100 * devices.readings) / devices.expectedReadings)} %` : '–';
  line(text('sensorsReporting'), `${percent} (${number.format(devices.readings)} / ${number.format(devices.expectedReadings)})`);
  line(text('camerasOnline'), `${number.format(devices.camerasOnlineNow)} / ${number.format(devices.cameras)}`);
  line(text('cameraOfflineAlerts'), number.format(devices.cameraOfflineAlerts));
  if (devices.sensorsBelow.length > 0) {
    doc.moveDown(0.4).font('bold').fontSize(9).fillColor(INK).text(text('sensorsBelow'), MARGIN, doc.y);
    for (const sensor of devices.sensorsBelow.slice(0, 20)) line(`${sensor.label} (${sensor.key})`, `${number.format(sensor.readings)} / ${number.format(sensor.expected)}`);
  }

  // Page numbers, once every page exists.
  const pages = doc.bufferedPageRange();
  for (let index = 0; index < pages.count; index++) {
    doc.switchToPage(pages.start + index);
    // Text below the bottom margin would make pdfkit start a page: the footer sits in the margin.
    doc.page.margins.bottom = 0;
    doc.font('body').fontSize(7).fillColor(MUTED).text(`CityOps · ${title} ${report.period.day} · ${text('page')} ${index + 1}/${pages.count}`, MARGIN, PAGE.height - 28, { width: WIDTH, align: 'center', lineBreak: false });
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
