import { optOutsOnPairing, optOutTargets, pairingOfStatus, pairingsOfReply } from './shopper-identity';

const message = { storeId: 'store-a', phone: '+34600111222' };

describe('pairing a phone with its business-scoped user id', () => {
  it('pairs the row phone with the BSUID of a status, with or without the phone again', () => {
    const expected = { storeId: 'store-a', phone: '+34600111222', userId: 'ES.111', parentUserId: null };
    expect(pairingOfStatus(message, { phone: '+34600111222', userId: 'ES.111' })).toEqual(expected);
    // recipient_id missing: the row knows the phone it was sent to.
    expect(pairingOfStatus(message, { userId: 'ES.111' })).toEqual(expected);
    expect(pairingOfStatus(message, { userId: 'ES.111', parentUserId: 'ES.ENT.9' })).toEqual({
      ...expected,
      parentUserId: 'ES.ENT.9',
    });
  });

  it('pairs nothing without a BSUID (a failed status sent by phone) or when the phone is another', () => {
    expect(pairingOfStatus(message, { phone: '+34600111222' })).toBeUndefined();
    expect(pairingOfStatus(message, {})).toBeUndefined();
    expect(pairingOfStatus(message, { phone: '+34600999999', userId: 'ES.111' })).toBeUndefined();
  });

  it('pairs a reply carrying both for every store of its number, and nothing with one of them', () => {
    expect(pairingsOfReply(['a', 'b'], { phone: '+34600111222', userId: 'ES.1' })).toEqual([
      { storeId: 'a', phone: '+34600111222', userId: 'ES.1', parentUserId: null },
      { storeId: 'b', phone: '+34600111222', userId: 'ES.1', parentUserId: null },
    ]);
    expect(pairingsOfReply(['a'], { userId: 'ES.1' })).toEqual([]);
    expect(pairingsOfReply(['a'], { phone: '+34600111222' })).toEqual([]);
  });
});

describe('who an opt-out reply opts out', () => {
  const paired = new Map([['a', '+34600111222']]);
  const phoneOf = (storeId: string) => paired.get(storeId);

  it('by its phone when it has one, in every store', () => {
    expect(optOutTargets(['a', 'b'], { phone: '+34600777777', userId: 'ES.1' }, phoneOf)).toEqual({
      byPhone: [
        { storeId: 'a', phone: '+34600777777' },
        { storeId: 'b', phone: '+34600777777' },
      ],
      pending: [],
    });
  });

  it('by the phone its BSUID was paired with; kept by BSUID where it never was', () => {
    expect(optOutTargets(['a', 'b'], { userId: 'ES.1' }, phoneOf)).toEqual({
      byPhone: [{ storeId: 'a', phone: '+34600111222' }],
      pending: [{ storeId: 'b', userId: 'ES.1' }],
    });
  });

  it('a pending opt-out becomes one by phone when its pair is learnt, for that store only', () => {
    const pending = [
      { storeId: 'b', userId: 'ES.1', at: new Date(0) },
      { storeId: 'c', userId: 'ES.1', at: new Date(0) },
      { storeId: 'b', userId: 'ES.2', at: new Date(0) },
    ];
    expect(
      optOutsOnPairing([{ storeId: 'b', phone: '+34600111222', userId: 'ES.1', parentUserId: null }], pending),
    ).toEqual([{ storeId: 'b', userId: 'ES.1', at: new Date(0), phone: '+34600111222' }]);
  });
});
