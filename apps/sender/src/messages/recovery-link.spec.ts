import { recoveryLinkContract, type SendDue, type StoreSettings } from '@lib/contracts';
import { parseLinkSigningKeys, verifyLinkToken } from '@lib/secrets';
import { recoveryLinkFor, recoveryLinkRecords } from './recovery-link';

const storeSettings = (overrides: Partial<StoreSettings> = {}) =>
  ({
    storeId: 'lola-shoes',
    name: 'Zapatería Lola',
    whatsapp: { phoneNumberId: '106540352242922', mode: 'text' },
    ...overrides,
  }) as StoreSettings;
const fixtureSendDue = (): SendDue => ({
  schemaVersion: 1,
  sendId: 'lola-shoes:c1:1',
  storeId: 'lola-shoes',
  cartId: 'c1',
  customer: { phone: '+34600111222' },
  items: [{ sku: 'A', title: 'A', quantity: 1, unitPrice: '1.00' }],
  recoveryUrl: 'https://lola.example/cart/recover/c1?key=k',
  detectedAt: '2026-12-07T09:00:00.000Z',
  dueAt: '2026-12-07T10:00:00.000Z',
  notAfter: '2026-12-10T09:00:00.000Z',
});

const keys = parseLinkSigningKeys(`k1:${Buffer.alloc(32, 3).toString('base64')}`);
const now = new Date('2026-12-07T10:00:00.000Z');
const withLinks = (links: StoreSettings['links']) => storeSettings({ links });

describe("a message's recovery link", () => {
  it("is minted under the store's base URL, tied to the message's sendId, and a valid recovery-links record", () => {
    const due = fixtureSendDue();
    const link = recoveryLinkFor(
      due,
      withLinks({ baseUrl: 'https://links.example', utmCampaign: 'navidad' }),
      keys,
      now,
    )!;
    expect(link.tracked.url).toBe(`https://links.example/r/${link.tracked.token}`);
    expect(verifyLinkToken(keys, link.tracked.token)).toBe(true);
    expect(link.record).toEqual({
      schemaVersion: 1,
      token: link.tracked.token,
      sendId: due.sendId,
      storeId: due.storeId,
      cartId: due.cartId,
      destination: due.recoveryUrl,
      utmCampaign: 'navidad',
      createdAt: now.toISOString(),
    });
    expect(recoveryLinkContract.check(link.record).ok).toBe(true);
    expect(recoveryLinkFor(due, withLinks({ baseUrl: 'https://links.example' }), keys, now)!.tracked.token).not.toBe(
      link.tracked.token,
    );
  });

  it('is none without links.baseUrl or without signing keys: the store keeps its own URL', () => {
    expect(recoveryLinkFor(fixtureSendDue(), storeSettings(), keys, now)).toBeUndefined();
    expect(recoveryLinkFor(fixtureSendDue(), withLinks({ utmCampaign: 'x' }), keys, now)).toBeUndefined();
    expect(
      recoveryLinkFor(fixtureSendDue(), withLinks({ baseUrl: 'https://links.example' }), undefined, now),
    ).toBeUndefined();
  });

  it('is published for messages going out only, keyed by their cart', () => {
    const link = recoveryLinkFor(fixtureSendDue(), withLinks({ baseUrl: 'https://links.example' }), keys, now)!.record;
    const records = recoveryLinkRecords('recovery-links', [
      { state: 'sending', link },
      { state: 'skipped', link },
      { state: 'sending' },
    ]);
    expect(records).toEqual([
      { topic: 'recovery-links', key: `${link.storeId}:${link.cartId}`, value: JSON.stringify(link) },
    ]);
  });
});
