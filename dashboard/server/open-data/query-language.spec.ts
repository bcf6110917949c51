import { describe, expect, it } from 'vitest';
import { impliedTimeRange, parseGeoQuery, parseQ, QueryError, whereClause, type QueryableAttribute } from './query-language.ts';

const attributes: Record<string, QueryableAttribute> = {
  dateObserved: { kind: 'datetime', column: 'hour' },
  intensity: { kind: 'number', column: 'intensity' },
  vehicleType: { kind: 'text', column: 'vehicle_type', values: ['car', 'bus'] },
};
const parse = (q: string) => parseQ(q, attributes, 'TrafficFlowObserved');
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof QueryError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('q', () => {
  it('turns comparisons into whitelisted columns with bound values', () => {
    const conditions = parse('dateObserved>=2026-12-01T00:00:00Z;intensity>10;vehicleType=="car"');
    const params: unknown[] = [];
    expect(whereClause(conditions, undefined, params)).toBe('hour >= $1 AND intensity > $2 AND vehicle_type = $3');
    expect(params).toEqual([new Date('2026-12-01T00:00:00Z'), 10, 'car']);
  });

  it('refuses what it does not understand, saying why', () => {
    expect(refusal(() => parse('speed>1'))).toMatch(/no queryable attribute "speed" \(known: dateObserved, intensity, vehicleType\)/);
    expect(refusal(() => parse('intensity>1 OR 1=1'))).toMatch(/intensity takes a number/);
    expect(refusal(() => parse("vehicleType=='car'"))).toMatch(/takes a word or a "quoted string"/);
    expect(refusal(() => parse('vehicleType=="car" ; DROP TABLE users'))).toMatch(/not a comparison/);
    expect(refusal(() => parse('vehicleType>car'))).toMatch(/only == and != compare it/);
    expect(refusal(() => parse('vehicleType==tank'))).toMatch(/one of car, bus/);
    expect(refusal(() => parse('(intensity>1|intensity<0)'))).toMatch(/no "\|" or parentheses/);
    expect(refusal(() => parse('intensity==1..5'))).toMatch(/ranges/);
    expect(refusal(() => parse('dateObserved>yesterday'))).toMatch(/ISO 8601/);
    expect(refusal(() => parse('constructor==1'))).toMatch(/no queryable attribute/);
  });

  it('derives the time range from the time attribute', () => {
    expect(impliedTimeRange(parse('dateObserved>=2026-12-01T00:00:00Z;dateObserved<2026-12-02T00:00:00Z'), 'dateObserved')).toEqual({
      from: new Date('2026-12-01T00:00:00Z'),
      to: new Date('2026-12-02T00:00:00Z'),
    });
    expect(impliedTimeRange(parse('intensity>1'), 'dateObserved')).toEqual({ from: undefined, to: undefined });
  });
});

describe('geo-queries', () => {
  it('reads near with distances and within a polygon', () => {
    expect(parseGeoQuery({ georel: 'near;maxDistance==500', geometry: 'Point', coordinates: '[106.7,10.77]' })).toEqual({ kind: 'near', lon: 106.7, lat: 10.77, maxDistanceM: 500 });
    const square = '[[[106,10],[107,10],[107,11],[106,11],[106,10]]]';
    const within = parseGeoQuery({ georel: 'within', geometry: 'Polygon', coordinates: square });
    const params: unknown[] = [];
    expect(whereClause([], within, params)).toContain('point(lon, lat) <@ $1::polygon');
    expect(params).toEqual(['((106,10),(107,10),(107,11),(106,11),(106,10))']);
  });

  it('refuses incomplete or malformed ones', () => {
    expect(refusal(() => parseGeoQuery({ georel: 'near;maxDistance==500' }))).toMatch(/come together/);
    expect(refusal(() => parseGeoQuery({ georel: 'near;maxDistance==x', geometry: 'Point', coordinates: '[1,2]' }))).toMatch(/maxDistance==metres/);
    expect(refusal(() => parseGeoQuery({ georel: 'intersects', geometry: 'Point', coordinates: '[1,2]' }))).toMatch(/not supported/);
    expect(refusal(() => parseGeoQuery({ georel: 'within', geometry: 'Polygon', coordinates: '[[[1,2]]]' }))).toMatch(/4 to 1000 points/);
    expect(refusal(() => parseGeoQuery({ georel: 'near;maxDistance==5', geometry: 'Point', coordinates: 'not json' }))).toMatch(/JSON array/);
  });
});
