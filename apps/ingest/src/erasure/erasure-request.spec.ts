import { checkErasureRequest, erasureStatus } from './erasure-request';

describe('checkErasureRequest', () => {
  it('takes an E.164 phone at one store, or at every store when storeId is left out or null', () => {
    expect(checkErasureRequest({ phone: '+34600111222', storeId: 'lola-shoes' })).toEqual({
      ok: true,
      phone: '+34600111222',
      storeId: 'lola-shoes',
    });
    expect(checkErasureRequest({ phone: '+34600111222' })).toEqual({ ok: true, phone: '+34600111222', storeId: null });
    expect(checkErasureRequest({ phone: '+34600111222', storeId: null })).toMatchObject({ ok: true, storeId: null });
  });

  it('answers 400 to a body that is not an object', () => {
    for (const body of [null, 'x', [1], 3]) expect(checkErasureRequest(body)).toMatchObject({ ok: false, status: 400 });
  });

  it('answers 422 naming every problem at once', () => {
    expect(checkErasureRequest({ phone: '600 111 222', storeId: 'no spaces', extra: 1 })).toEqual({
      ok: false,
      status: 422,
      problems: [
        'phone: must be E.164 (+34600111222)',
        'storeId: must match [A-Za-z0-9._-]{1,64} (or be left out: every store)',
        'extra: not a field of an erasure request',
      ],
    });
    expect(checkErasureRequest({})).toEqual({ ok: false, status: 422, problems: ['phone: required'] });
  });
});

describe('erasureStatus', () => {
  const at = new Date('2026-12-07T10:00:00Z');
  const record = {
    id: '0b5f3f6e-8d8e-4e4b-9a8e-2f1c7d9b6a11',
    storeId: null,
    requestedAt: at,
    completedAt: { ingest: at, scheduler: new Date('2026-12-07T10:00:01Z'), sender: null },
  };

  it('is pending while a service has not reported, with the times of those that have', () => {
    expect(erasureStatus(record)).toEqual({
      id: record.id,
      storeId: null,
      requestedAt: '2026-12-07T10:00:00.000Z',
      status: 'pending',
      services: { ingest: '2026-12-07T10:00:00.000Z', scheduler: '2026-12-07T10:00:01.000Z', sender: null },
    });
  });

  it('is done once every service reported', () => {
    const done = erasureStatus({ ...record, completedAt: { ...record.completedAt, sender: at } });
    expect(done.status).toBe('done');
  });
});
