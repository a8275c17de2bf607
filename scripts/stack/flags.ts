import type { StackUpOptions } from './stack';

/** `--nodes N` (or `--nodes=N`) and `--secure` of `up`. */
export function upOptionsOf(flags: string[]): StackUpOptions {
  const options: StackUpOptions = {};
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    if (flag === '--secure') options.kafkaSecurity = 'sasl_ssl';
    else if (flag === '--nodes' || flag.startsWith('--nodes=')) {
      const raw = flag === '--nodes' ? flags[++i] : flag.slice('--nodes='.length);
      const nodes = Number(raw);
      if (!Number.isInteger(nodes)) throw new Error(`--nodes takes a number (1, 3 or 5); got "${raw ?? ''}"`);
      options.kafkaNodes = nodes;
    } else throw new Error(`unknown flag ${flag} (up takes --nodes N and --secure)`);
  }
  return options;
}
