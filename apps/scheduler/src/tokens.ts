export const SCHEDULER_CONFIG = Symbol('SchedulerConfig');
/** `planSend` of @lib/business-hours, injected so the pipelines stay testable with another planner. */
export const PLAN_SEND = Symbol('PlanSend');
