import { commonEnv, readConfig } from '@lib/config';

export const senderEnv = {
  ...commonEnv('sender', 3003),
};

export type SenderConfig = ReturnType<typeof readSenderConfig>;

export function readSenderConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(senderEnv, source);
}
