// Chi-square goodness of fit, with the distribution's upper tail computed here (no dependency):
// Q(k/2, x/2), the regularized upper incomplete gamma function, by its series below a+1 and
// its continued fraction above (Numerical Recipes §6.2), with log-gamma from Stirling's series.

// Stirling's series for ln Γ(x), x >= 10 (error below 1e-16), with Γ(x+1) = xΓ(x) to get there.
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156];

export function logGamma(x: number): number {
  if (x <= 0) return Infinity;
  let shift = 0;
  while (x < 10) {
    shift += Math.log(x);
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  let series = 0;
  let power = inv;
  for (const c of STIRLING) {
    series += c * power;
    power *= inv2;
  }
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

const EPS = 1e-14;
const MAX_ITER = 1000;

/** Regularized lower incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < MAX_ITER; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }
  return 1 - gammaQ(a, x);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) return 1 - gammaP(a, x);
  // Lentz's continued fraction.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** P(X <= x) for X ~ chi-square with k degrees of freedom. */
export function chiSquareCdf(x: number, k: number): number {
  return gammaP(k / 2, x / 2);
}

/** P(X >= x), the p-value of a chi-square statistic, computed without cancellation. */
export function chiSquareSurvival(x: number, k: number): number {
  return gammaQ(k / 2, x / 2);
}

export interface ChiSquareTest {
  statistic: number;
  degreesOfFreedom: number;
  /** P(chi-square >= statistic) under the expected shares. */
  pValue: number;
  expected: number[];
}

/**
 * Pearson's chi-square goodness-of-fit test of observed counts against expected shares (which are
 * normalised). Categories with an expected share of 0 must have no observations (else p = 0).
 */
export function chiSquareTest(observed: number[], shares: number[]): ChiSquareTest {
  const n = observed.reduce((a, b) => a + b, 0);
  const total = shares.reduce((a, b) => a + b, 0);
  const expected = shares.map((s) => (total > 0 ? (s / total) * n : 0));
  let statistic = 0;
  let categories = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i]!;
    if (e === 0) {
      if (observed[i]! > 0) statistic = Infinity;
      continue;
    }
    categories++;
    statistic += (observed[i]! - e) ** 2 / e;
  }
  const degreesOfFreedom = Math.max(1, categories - 1);
  const pValue = statistic === Infinity ? 0 : chiSquareSurvival(statistic, degreesOfFreedom);
  return { statistic, degreesOfFreedom, pValue: Math.max(0, pValue), expected };
}
