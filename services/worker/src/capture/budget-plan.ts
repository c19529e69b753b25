import type { BudgetStep } from '@tagpulse/db';

/**
 * The degradation order as the month's spend nears the budget (spent /
 * budget, at least): what costs least in freshness goes first.
 * - 80 %: engagement refreshes thinned (one look-up of 100 posts a run);
 * - 90 %: coverage measured at most once every `sparseCoverageMs` besides;
 * - 95 %: each query polled at most once every `slowPollMs` besides;
 * - 100 %: capture paused (a gap of cause `budget`) until the next billing month or a raised budget.
 */
export const BUDGET_STEPS: ReadonlyArray<readonly [number, BudgetStep]> = [
  [1, 'paused'],
  [0.95, 'slow_polling'],
  [0.9, 'sparse_coverage'],
  [0.8, 'thin_refresh'],
  [0, 'normal'],
];

/** Operational notices, each sent once per billing month. */
export const BUDGET_NOTICES = [50, 80, 100] as const;

const ORDER: BudgetStep[] = ['normal', 'thin_refresh', 'sparse_coverage', 'slow_polling', 'paused'];

export function budgetStep(spentUsd: number, budgetUsd: number): BudgetStep {
  const used = budgetUsd > 0 ? spentUsd / budgetUsd : spentUsd > 0 ? Number.POSITIVE_INFINITY : 1;
  return BUDGET_STEPS.find(([at]) => used >= at)?.[1] ?? 'normal';
}

/** Whether capture at `step` has given up what `measure` stands for. */
export function atLeast(step: BudgetStep, measure: BudgetStep): boolean {
  return ORDER.indexOf(step) >= ORDER.indexOf(measure);
}

/** The notice thresholds (per cent) the month's spend has reached. */
export function noticesDue(spentUsd: number, budgetUsd: number): number[] {
  return BUDGET_NOTICES.filter((pct) => spentUsd >= (budgetUsd * pct) / 100);
}

/** The first instant of the UTC calendar month of `at`: X's billing month. */
export function billingMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}
