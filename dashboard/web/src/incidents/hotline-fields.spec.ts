// The hotline form reads typed coordinates and puts each server error beside the field it names.
import { describe, expect, it } from 'vitest';
import { fieldOf, parseCoordinates } from './hotline-fields.ts';

describe('hotline form fields', () => {
  it('reads coordinates typed with a comma, a semicolon or a space', () => {
    expect(parseCoordinates('10.7769, 106.7009')).toEqual({ lat: 10.7769, lon: 106.7009 });
    expect(parseCoordinates(' 10.7769;106.7009 ')).toEqual({ lat: 10.7769, lon: 106.7009 });
    expect(parseCoordinates('10.7769 106.7009')).toEqual({ lat: 10.7769, lon: 106.7009 });
    expect(parseCoordinates('-33.9, 151.2')).toEqual({ lat: -33.9, lon: 151.2 });
  });

  it('refuses what is not a point on Earth', () => {
    for (const text of ['', '10.77', '10.77, ', 'Lê Lợi', '95, 106', '10, 200', '10.7.7, 106']) expect(parseCoordinates(text), text).toBeUndefined();
  });

  it('shows a refused place beside the place, and an unknown field at the form', () => {
    expect(fieldOf('lat')).toBe('place');
    expect(fieldOf('lon')).toBe('place');
    expect(fieldOf('place')).toBe('place');
    expect(fieldOf('callerNumber')).toBe('callerNumber');
    expect(fieldOf('incidentId')).toBe('incidentId');
    expect(fieldOf(undefined)).toBe('form');
    expect(fieldOf('severity')).toBe('form');
  });
});
