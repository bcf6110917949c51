// City classes the detector may confuse for one another on the same object: a pickup is `car` or
// `truck`, a scooter `motorbike` or `bicycle`. Detection de-duplication and track association treat a
// group as one; persons are never merged with vehicles (a rider and a motorbike are two objects).
import type { CityClass } from './types.ts';

const GROUP: Record<CityClass, number> = { person: 0, bicycle: 1, motorbike: 1, car: 2, bus: 2, truck: 2 };

export function sameObjectGroup(cityClass: CityClass): number {
  return GROUP[cityClass];
}
