import { describe, expect, it } from 'vitest';
import { createI18n } from './i18n-core.ts';
import { bearingDegrees, compassPoint, distanceMetres, formatDistance, mapLinks } from './geodesy.ts';

/** Metres north of a point, in degrees of latitude (as tests/incidents/dispatch.test.ts places teams). */
const north = (metres: number) => metres / 111_195;
const incident = { lat: 10.7769, lon: 106.7009 };

describe('distance and direction on the city map', () => {
  it('agrees with the server: a team 300 m north of the incident is 300 m away and drives south', () => {
    const team = { lat: incident.lat + north(300), lon: incident.lon };
    expect(Math.round(distanceMetres(team, incident))).toBe(300);
    expect(Math.round(bearingDegrees(team, incident))).toBe(180);
    expect(compassPoint(bearingDegrees(team, incident))).toBe('s');
    expect(compassPoint(bearingDegrees(incident, team))).toBe('n');
  });

  it('names the nearest of eight compass points', () => {
    expect([0, 22, 23, 90, 135, 200, 270, 338, 359, -45].map(compassPoint)).toEqual(['n', 'n', 'ne', 'e', 'se', 's', 'w', 'n', 'n', 'nw']);
    expect(compassPoint(bearingDegrees(incident, { lat: incident.lat + 0.01, lon: incident.lon + 0.01 }))).toBe('ne');
  });

  it('says distances in metres below a kilometre and kilometres above, in each language', () => {
    const vi = createI18n('vi', 'Asia/Ho_Chi_Minh', () => {});
    const en = createI18n('en', 'Asia/Ho_Chi_Minh', () => {});
    expect(formatDistance(en, 43)).toBe('40 m');
    expect(formatDistance(en, 1234)).toBe('1.2 km');
    expect(formatDistance(vi, 1234)).toBe('1,2 km');
    expect(formatDistance(en, 12_345)).toBe('12 km');
  });

  it('links the point for the phone\'s map app and for a browser', () => {
    expect(mapLinks(incident)).toEqual({
      geo: 'geo:10.776900,106.700900?q=10.776900,106.700900',
      openStreetMap: 'https://www.openstreetmap.org/?mlat=10.776900&mlon=106.700900#map=17/10.776900/106.700900',
    });
  });
});
