// planSend throughput (issue 3): it runs for every abandoned cart and every replan, so it must
// stay far below a scheduler's per-message budget. Pure CPU, one core, no stack.
import { planSend, type OpeningHours, type PlanSendInput } from '@lib/business-hours';
import type { BenchContext, BenchFigure, BenchWorkload } from '../workload';

const SHOP: OpeningHours = {
  mon: [
    ['09:00', '14:00'],
    ['16:30', '20:30'],
  ],
  tue: [
    ['09:00', '14:00'],
    ['16:30', '20:30'],
  ],
  wed: [
    ['09:00', '14:00'],
    ['16:30', '20:30'],
  ],
  thu: [
    ['09:00', '14:00'],
    ['16:30', '20:30'],
  ],
  fri: [['09:00', '20:30']],
  sat: [['10:00', '14:00']],
  sun: [],
};
const HOLIDAYS_2026_2027 = [
  '2026-01-01',
  '2026-01-06',
  '2026-04-03',
  '2026-05-01',
  '2026-08-15',
  '2026-10-12',
  '2026-11-01',
  '2026-12-06',
  '2026-12-08',
  '2026-12-25',
  '2027-01-01',
  '2027-01-06',
  '2027-03-26',
  '2027-05-01',
];
const TYPICAL_ZONES = ['Europe/Madrid', 'America/New_York', 'America/Mexico_City', 'America/Sao_Paulo', 'Asia/Kolkata'];

// Worst case: one 15-minute opening a week, at a time clocks jump over in spring, in a zone with
// a 30-minute shift, behind 40 closed Sundays, with the longest deferral the settings allow.
const SPARSE: OpeningHours = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [['02:10', '02:25']] };
const CLOSED_SUNDAYS = Array.from({ length: 40 }, (_, i) =>
  new Date(Date.UTC(2026, 0, 4 + 7 * i)).toISOString().slice(0, 10),
);

function inputs(count: number, make: (i: number, at: Date) => PlanSendInput): PlanSendInput[] {
  const from = Date.UTC(2026, 0, 1);
  const span = 365 * 86_400_000;
  // A fixed LCG so runs are comparable: detection instants spread over a year.
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (_, i) => make(i, new Date(from + Math.floor(next() * span))));
}

function callsPerSecond(batch: PlanSendInput[], seconds: number): { rate: number; nulls: number } {
  let nulls = 0;
  for (const input of batch) if (planSend(input) === null) nulls++; // warm the per-zone caches
  let calls = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (const input of batch) planSend(input);
    calls += batch.length;
    elapsed = process.hrtime.bigint() - start;
  }
  return { rate: calls / (Number(elapsed) / 1e9), nulls };
}

export const workload: BenchWorkload = {
  name: 'business-hours',
  description: 'planSend calls per second on one core: a typical shop schedule and a worst-case sparse one',
  needsStack: false,
  async run(ctx: BenchContext): Promise<BenchFigure[]> {
    const seconds = ctx.quick ? 0.5 : 3;
    const size = ctx.quick ? 2_000 : 20_000;
    const typical = inputs(size, (i, detectedAt) => ({
      detectedAt,
      timezone: TYPICAL_ZONES[i % TYPICAL_ZONES.length],
      openingHours: SHOP,
      closedDates: HOLIDAYS_2026_2027,
      sendDelayMinutes: 60,
      maxDeferralHours: 72,
    }));
    const sparse = inputs(size, (_, detectedAt) => ({
      detectedAt,
      timezone: 'Australia/Lord_Howe',
      openingHours: SPARSE,
      closedDates: CLOSED_SUNDAYS,
      sendDelayMinutes: 90,
      maxDeferralHours: 336,
    }));
    const t = callsPerSecond(typical, seconds);
    ctx.log(`typical: ${Math.round(t.rate)} calls/s (${t.nulls} of ${size} past maxDeferralHours)`);
    const s = callsPerSecond(sparse, seconds);
    ctx.log(`sparse: ${Math.round(s.rate)} calls/s (${s.nulls} of ${size} past maxDeferralHours)`);
    return [
      {
        name: 'planSend calls/s (typical schedule)',
        value: t.rate,
        unit: 'calls/s',
        target: { value: 200_000, better: 'higher' },
        note: `split weekday hours, 14 holidays, ${TYPICAL_ZONES.length} zones, detections over 2026`,
      },
      {
        name: 'planSend calls/s (worst-case sparse schedule)',
        value: s.rate,
        unit: 'calls/s',
        note: 'one 15-min Sunday opening in a Lord Howe DST gap, 40 closed Sundays, 336 h deferral',
      },
    ];
  },
};
