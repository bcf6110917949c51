import { describe, expect, it } from 'vitest';
import { parkingLevel } from './parking-zones.ts';

describe('parking level', () => {
  it('is free with a quarter of the spaces or more left, filling below, full at none, unknown without a sample', () => {
    expect(parkingLevel({ free: 5, capacity: 20 })).toBe('free');
    expect(parkingLevel({ free: 4, capacity: 20 })).toBe('filling');
    expect(parkingLevel({ free: 0, capacity: 20 })).toBe('full');
    expect(parkingLevel({ free: null, capacity: 20 })).toBe('unknown');
  });
});
