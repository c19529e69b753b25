/** The k-th smallest (0-based) of `a`, by quickselect in place: O(n) on average. Reorders `a`. */
function selectInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const swap = a[i] as number;
        a[i++] = a[j] as number;
        a[j--] = swap;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k] as number;
}

/** The upper median (for the even-length windows used here the difference does not matter). */
export function median(values: readonly number[]): number {
  const a = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i] as number;
  return selectInPlace(a, a.length >> 1);
}

/**
 * A robust scale of `values` around `centre`, in units of a normal σ: the MAD (×1.4826); where
 * more than half the values sit exactly on the centre (counters at 0, flat-lined metrics) the MAD
 * is 0, so the mean absolute deviation (×1.2533) stands in; on a window with no spread at all,
 * `floor`.
 */
export function robustScale(values: readonly number[], centre: number, floor: number): number {
  const deviations = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const d = Math.abs((values[i] as number) - centre);
    deviations[i] = d;
    sum += d;
  }
  const mad = 1.4826 * selectInPlace(deviations, deviations.length >> 1);
  if (mad > 0) return mad;
  return sum > 0 ? (1.2533 * sum) / deviations.length : floor;
}
