/** The time unit of the purchase models' parameters and of recency and T (`--time-unit`). */
export type TimeUnit = 'day' | 'week';
export const TIME_UNITS: readonly TimeUnit[] = ['day', 'week'];
export const DAYS_PER_UNIT: Record<TimeUnit, number> = { day: 1, week: 7 };
