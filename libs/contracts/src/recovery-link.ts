import { Static, Type } from '@sinclair/typebox';
import { CartId, HttpsUrl, SchemaVersion1, StoreId, Timestamp } from './primitives';

/** A recovery link's token: 16 base64url characters of random id, a dot, 16 of signature. */
export const LINK_TOKEN_PATTERN = '^[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]{16}$';
export const LinkToken = Type.String({ pattern: LINK_TOKEN_PATTERN, description: 'Recovery link token' });
const SendId = Type.String({ minLength: 1, maxLength: 200 });

/**
 * One message's tracked link, written by the sender when it writes the message's intent (before
 * the message can go out): ingest's `GET /r/{token}` redirects to `destination`.
 */
export const RecoveryLinkSchema = Type.Object(
  {
    schemaVersion: SchemaVersion1,
    token: LinkToken,
    sendId: SendId,
    storeId: StoreId,
    cartId: CartId,
    /** The store's recovery URL; ingest adds the UTM parameters when it redirects. */
    destination: HttpsUrl,
    utmCampaign: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    utmMedium: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    createdAt: Timestamp,
  },
  { $id: 'RecoveryLink', title: 'Recovery link v1' },
);
export type RecoveryLink = Static<typeof RecoveryLinkSchema>;

/** What kind of client followed a link (counted clicks only come from browsers). */
export const USER_AGENT_CLASSES = ['mobile', 'desktop', 'other'] as const;
export type UserAgentClass = (typeof USER_AGENT_CLASSES)[number];

/**
 * A shopper clicked a message's link (bots and link previews are not counted). Written by ingest
 * on each counted click with the link's totals so far: the first click time stays, the count
 * grows, so a consumer may keep the latest record per sendId.
 */
export const LinkClickSchema = Type.Object(
  {
    schemaVersion: SchemaVersion1,
    sendId: SendId,
    storeId: StoreId,
    cartId: CartId,
    firstClickedAt: Timestamp,
    clickedAt: Timestamp,
    clicks: Type.Integer({ minimum: 1, description: 'Counted clicks on the link so far' }),
    userAgentClass: Type.Union(USER_AGENT_CLASSES.map((c) => Type.Literal(c))),
  },
  { $id: 'LinkClick', title: 'Link click v1' },
);
export type LinkClick = Static<typeof LinkClickSchema>;
