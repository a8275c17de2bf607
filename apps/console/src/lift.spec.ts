import { wordsFor } from './i18n';
import { liftSentence, liftVerdict, points, type Holdout } from './lift';

const holdout = (patch: Partial<Holdout> = {}): Holdout => ({
  treated: { carts: 2000, converted: 220, conversionRate: 0.11 },
  heldOut: { carts: 2000, converted: 160, conversionRate: 0.08 },
  lift: { absolute: 0.03, absoluteInterval: { low: 0.01, high: 0.05 } },
  ...patch,
});

describe('the lift sentence', () => {
  it('says the messages raised the share, with the interval, when it excludes 0', () => {
    expect(liftVerdict(holdout())).toBe('raised');
    expect(liftSentence(holdout(), wordsFor('en'), 'en')).toBe(
      'Messages raised the share of carts bought from 8% to 11% (+3 points, 95% interval +1 to +5).',
    );
    expect(liftSentence(holdout(), wordsFor('es'), 'es')).toBe(
      'Los mensajes subieron la proporción de carritos comprados del 8\u00a0% al 11\u00a0% (+3 puntos; intervalo del 95 %: de +1 a +5).',
    );
  });

  it('says it cannot tell yet when the interval holds 0, an arm is empty, or the stats say too small', () => {
    const spanning = holdout({ lift: { absolute: 0.01, absoluteInterval: { low: -0.01, high: 0.03 } } });
    expect(liftVerdict(spanning)).toBe('unknown');
    expect(liftSentence(spanning, wordsFor('en'), 'en')).toBe(
      'Not enough carts yet to tell whether messages change the share of carts bought (8% without a message, 11% with one).',
    );
    expect(liftVerdict(holdout({ lift: { absolute: null, absoluteInterval: null } }))).toBe('unknown');
    expect(liftVerdict(holdout({ tooSmall: true }))).toBe('unknown');
    expect(liftVerdict(holdout({ tooSmall: false }))).toBe('raised');
  });

  it('says so when carts with a message were bought less often', () => {
    const lower = holdout({ lift: { absolute: -0.03, absoluteInterval: { low: -0.05, high: -0.01 } } });
    expect(liftVerdict(lower)).toBe('lowered');
    expect(liftSentence(lower, wordsFor('en'), 'en')).toContain('(-3 points, 95% interval -5 to -1)');
  });

  it('writes points with their sign and one decimal at most', () => {
    expect(points(0.0312, 'en')).toBe('+3.1');
    expect(points(0.0312, 'es')).toBe('+3,1');
    expect(points(0, 'en')).toBe('0');
  });
});
