import { commonEnv, readConfig } from '@lib/config';

export const schedulerEnv = {
  ...commonEnv('scheduler', 3002),
};

export type SchedulerConfig = ReturnType<typeof readSchedulerConfig>;

export function readSchedulerConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(schedulerEnv, source);
}
