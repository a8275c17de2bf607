import { createHash } from 'node:crypto';

/**
 * How Meta names each WhatsApp user in webhooks since 2026: a business-scoped user id (BSUID,
 * `CC.` + up to 128 letters and digits, a parent `CC.ENT.…` for business portfolios), a
 * username once adopted, and the phone (`wa_id`) only when it is shareable. By default every
 * shopper has a BSUID and a shareable phone; a profile per shopper changes that, so tests can
 * drive the forms a sender must handle.
 */
export interface ShopperIdentityProfile {
  /** The phone is not shareable: `wa_id`, `from` and `recipient_id` are left out. */
  phoneWithheld?: boolean;
  /** The user's username (`profile.username`, `username` on delivered/read). */
  username?: string;
  /** A parent BSUID (`CC.ENT.…`); `true` derives one. */
  parentUserId?: string | true;
  /** Replaces the derived BSUID. */
  userId?: string;
  /** A webhook as before 2026: no BSUID fields at all. */
  withoutUserId?: boolean;
  /** As some early write-ups describe: the BSUID itself in `wa_id` / `from` / `recipient_id`. */
  userIdInWaId?: boolean;
}

/** What the webhooks say about one shopper. */
export interface ShopperIdentity {
  /** The phone digits, absent when withheld (or the BSUID, with `userIdInWaId`). */
  waId?: string;
  userId?: string;
  parentUserId?: string;
  username?: string;
}

/** Calling codes → the country letters a BSUID starts with (the few the tests use; else `ZZ`). */
const COUNTRIES: Array<[string, string]> = [
  ['351', 'PT'],
  ['34', 'ES'],
  ['33', 'FR'],
  ['39', 'IT'],
  ['44', 'GB'],
  ['49', 'DE'],
  ['52', 'MX'],
  ['55', 'BR'],
  ['1', 'US'],
];

/** The BSUID of a phone for one business account: stable, so tests can predict it. */
export function userIdOf(waId: string, wabaId = ''): string {
  const country = COUNTRIES.find(([code]) => waId.startsWith(code))?.[1] ?? 'ZZ';
  const digits = BigInt(`0x${createHash('sha256').update(`${wabaId}:${waId}`).digest('hex').slice(0, 16)}`);
  return `${country}.${digits.toString()}`;
}

export function parentUserIdOf(waId: string): string {
  return userIdOf(waId, 'portfolio').replace('.', '.ENT.');
}

export class ShopperIdentities {
  private readonly profiles = new Map<string, ShopperIdentityProfile>();
  /** Applies to every shopper without a profile of their own. */
  defaults: ShopperIdentityProfile = {};

  /** Sets (or, with `null`, removes) a shopper's profile; `waId` in any notation. */
  set(waId: string, profile: ShopperIdentityProfile | null): void {
    const key = waId.replace(/\D/g, '');
    if (profile === null) this.profiles.delete(key);
    else this.profiles.set(key, profile);
  }

  clear(): void {
    this.profiles.clear();
    this.defaults = {};
  }

  describe(): { defaults: ShopperIdentityProfile; shoppers: Record<string, ShopperIdentityProfile> } {
    return { defaults: this.defaults, shoppers: Object.fromEntries(this.profiles) };
  }

  /** How the webhooks of `wabaId` name the shopper with this phone. */
  of(waId: string, wabaId: string): ShopperIdentity {
    const p = this.profiles.get(waId) ?? this.defaults;
    const userId = p.withoutUserId ? undefined : (p.userId ?? userIdOf(waId, wabaId));
    const parentUserId =
      p.withoutUserId || p.parentUserId === undefined
        ? undefined
        : p.parentUserId === true
          ? parentUserIdOf(waId)
          : p.parentUserId;
    const shown = p.userIdInWaId ? userId : p.phoneWithheld ? undefined : waId;
    return {
      ...(shown !== undefined ? { waId: shown } : {}),
      ...(userId !== undefined ? { userId } : {}),
      ...(parentUserId !== undefined ? { parentUserId } : {}),
      ...(p.username !== undefined ? { username: p.username } : {}),
    };
  }
}
