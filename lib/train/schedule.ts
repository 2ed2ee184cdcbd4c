// Learning-rate schedules as multipliers of each group's peak rate, as transformers defines them.
export const SCHEDULES = ["constant", "linear"] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export interface Schedule {
  name: ScheduleName;
  /** Steps of linear warm-up from 0 (0: none). */
  warmupSteps: number;
  totalSteps: number;
}

/**
 * The multiplier at `step` (0-based, the step about to be taken): warm-up rises as step / warmupSteps, then
 * "constant" stays at 1 and "linear" falls to 0 at totalSteps (get_linear_schedule_with_warmup).
 */
export function scheduleFactor(schedule: Schedule, step: number): number {
  const { warmupSteps, totalSteps } = schedule;
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  if (schedule.name === "constant") return 1;
  return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}

export function validateSchedule(schedule: Schedule): void {
  if (!(SCHEDULES as readonly string[]).includes(schedule.name)) {
    throw new RangeError(`schedule must be one of ${SCHEDULES.join(", ")}, got ${JSON.stringify(schedule.name)}`);
  }
  if (!Number.isInteger(schedule.totalSteps) || schedule.totalSteps < 1) {
    throw new RangeError(`totalSteps must be a positive integer, got ${schedule.totalSteps}`);
  }
  if (
    !Number.isInteger(schedule.warmupSteps) || schedule.warmupSteps < 0 || schedule.warmupSteps > schedule.totalSteps
  ) {
    throw new RangeError(
      `warmupSteps must be an integer in [0, totalSteps = ${schedule.totalSteps}], got ${schedule.warmupSteps}`,
    );
  }
}
