// The chi-square distribution against tabulated critical values, and the goodness-of-fit test.
import { describe, expect, it } from 'vitest';
import { chiSquareCdf, chiSquareSurvival, chiSquareTest } from '../src/index.js';

describe('chi-square distribution', () => {
  it.each([
    [3.841458820694124, 1, 0.05],
    [6.634896601021214, 1, 0.01],
    [5.991464547107979, 2, 0.05],
    [11.344866730144373, 3, 0.01],
    [18.307038053275146, 10, 0.05],
    [0.10258658877510106, 2, 0.95],
  ])('P(X >= %f | %i df) = %f', (x, k, p) => {
    expect(chiSquareSurvival(x, k)).toBeCloseTo(p, 10);
    expect(chiSquareCdf(x, k)).toBeCloseTo(1 - p, 10);
  });

  it('keeps precision far in the tail', () => {
    expect(chiSquareSurvival(100, 2)).toBeCloseTo(Math.exp(-50), 30);
    expect(chiSquareSurvival(100, 2) / Math.exp(-50)).toBeCloseTo(1, 8);
  });

  it('tests counts against shares', () => {
    const t = chiSquareTest([7, 8, 5], [1, 1, 1]);
    expect(t.expected.map((e) => e.toFixed(3))).toEqual(['6.667', '6.667', '6.667']);
    expect(t.statistic).toBeCloseTo(0.7, 10);
    expect(t.degreesOfFreedom).toBe(2);
    expect(t.pValue).toBeCloseTo(Math.exp(-0.35), 10);
    expect(chiSquareTest([3, 1], [1, 0]).pValue).toBe(0);
  });
});
