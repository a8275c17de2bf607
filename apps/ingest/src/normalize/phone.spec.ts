import { phoneToE164 } from './phone';

describe('phones to E.164', () => {
  it('reads national numbers in the store country and international ones in their own', () => {
    expect(phoneToE164('600 111 222', 'ES')).toEqual({ ok: true, e164: '+34600111222' });
    expect(phoneToE164('+34 600-111-222', 'US')).toEqual({ ok: true, e164: '+34600111222' });
    expect(phoneToE164('0034 600 111 222', 'FR')).toEqual({ ok: true, e164: '+34600111222' });
    expect(phoneToE164('(415) 555-2671', 'US')).toEqual({ ok: true, e164: '+14155552671' });
    expect(phoneToE164('06 12 34 56 78', 'FR')).toEqual({ ok: true, e164: '+33612345678' });
  });

  it('says why a number cannot be used', () => {
    expect(phoneToE164('call me', 'ES')).toEqual({ ok: false, problem: 'unparseable' });
    expect(phoneToE164('12', 'ES')).toEqual({ ok: false, problem: 'invalid-number' });
    expect(phoneToE164('600 111 222', 'US')).toEqual({ ok: false, problem: 'invalid-number' });
  });
});

describe('phones seen again', () => {
  it('answer the same from memory, per country', () => {
    expect(phoneToE164('600 111 222', 'ES')).toEqual(phoneToE164('600 111 222', 'ES'));
    expect(phoneToE164('600 111 222', 'US')).toEqual({ ok: false, problem: 'invalid-number' });
    expect(phoneToE164('600 111 222', 'ES')).toEqual({ ok: true, e164: '+34600111222' });
    for (let i = 0; i < 25_000; i++) phoneToE164(`+34 6${String(i).padStart(8, '0')}`, 'ES');
    expect(phoneToE164('ninguno', 'ES')).toEqual({ ok: false, problem: 'unparseable' });
  });
});
