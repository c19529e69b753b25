import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { BudgetStep, Database } from '../database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The budget set at run time (API, CLI); undefined when never set, null when set to none. */
export async function budgetSetting(db: Db): Promise<number | null | undefined> {
  const row = await db.selectFrom('budget_setting').select('monthly_usd').executeTakeFirst();
  if (!row) return undefined;
  return row.monthly_usd === null ? null : Number(row.monthly_usd);
}

/** Sets (or with null removes) the monthly budget; workers follow at their next check, without a restart. */
export async function setBudget(db: Db, monthlyUsd: number | null): Promise<void> {
  await db
    .insertInto('budget_setting')
    .values({ monthly_usd: monthlyUsd })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ monthly_usd: monthlyUsd, updated_at: sql<Date>`now()` }),
    )
    .execute();
}

/** Forgets the month's standing (no budget applies any more): nothing is held back. */
export async function clearBudgetState(db: Db, month: Date): Promise<void> {
  await db
    .deleteFrom('capture_budget')
    .where(sql<boolean>`month = ${month.toISOString().slice(0, 10)}::date`)
    .execute();
}

export interface BudgetState {
  month: Date;
  step: BudgetStep;
  spentUsd: number;
  budgetUsd: number;
  pausedAt: Date | null;
}

/** Where capture stands against the budget in the billing month of `at`, if a budget applies. */
export async function currentBudget(db: Db, at: Date): Promise<BudgetState | undefined> {
  const month = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const row = await db
    .selectFrom('capture_budget')
    .selectAll()
    .where(sql<boolean>`month = ${month.toISOString().slice(0, 10)}::date`)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    month: row.month,
    step: row.step,
    spentUsd: Number(row.spent_usd),
    budgetUsd: Number(row.budget_usd),
    pausedAt: row.paused_at,
  };
}

/**
 * Records the month's standing; returns where it stood before (undefined for
 * the month's first record). `paused_at` is set when the step becomes
 * `paused` and cleared when it leaves it.
 */
export async function saveBudgetState(
  db: Db,
  s: { month: Date; step: BudgetStep; spentUsd: number; budgetUsd: number; at: Date },
): Promise<{ step: BudgetStep; spentUsd: number } | undefined> {
  const { rows } = await sql<{ step: BudgetStep | null; spent: string | null }>`
    with before as (
      select step, spent_usd from capture_budget where month = ${s.month.toISOString().slice(0, 10)}::date for update),
      saved as (
        insert into capture_budget (month, step, spent_usd, budget_usd, paused_at)
        values (${s.month.toISOString().slice(0, 10)}::date, ${s.step}, ${s.spentUsd}, ${s.budgetUsd},
          ${s.step === 'paused' ? s.at : null})
        on conflict (month) do update set step = excluded.step, spent_usd = excluded.spent_usd,
          budget_usd = excluded.budget_usd, updated_at = now(),
          paused_at = case when excluded.step <> 'paused' then null
            else coalesce(capture_budget.paused_at, excluded.paused_at) end
        returning 1)
    select (select step from before) as step, (select spent_usd::text from before) as spent from saved`.execute(
    db,
  );
  const row = rows[0];
  return row?.step ? { step: row.step, spentUsd: Number(row.spent) } : undefined;
}
