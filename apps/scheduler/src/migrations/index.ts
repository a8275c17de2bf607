import type { MigrationInterface } from 'typeorm';
import { AbandonmentState1764100000000 } from './1764100000000-abandonment-state';
import { StatsDaily1765200000000 } from './1765200000000-stats-daily';
import { StoreSecretsDropped1766100000001 } from './1766100000001-store-secrets-dropped';
import { HoldoutArm1766240000000 } from './1766240000000-holdout-arm';
import { ConsentRecords1766300000000 } from './1766300000000-consent-records';
import { ErasedShoppers1767000000001 } from './1767000000001-erased-shoppers';
import { LinkClicks1767100000001 } from './1767100000001-link-clicks';
import { StoreDeletedAt1767400000000 } from './1767400000000-store-deleted-at';
import { PacedOutcomes1767500000001 } from './1767500000001-paced-outcomes';
import { OutcomePricing1767500000002 } from './1767500000002-outcome-pricing';
import { AbandonmentVariant1767600000000 } from './1767600000000-abandonment-variant';

/** Every migration of the scheduler schema, oldest first. */
export const schedulerMigrations: Array<new () => MigrationInterface> = [
  AbandonmentState1764100000000,
  StatsDaily1765200000000,
  StoreSecretsDropped1766100000001,
  HoldoutArm1766240000000,
  ConsentRecords1766300000000,
  ErasedShoppers1767000000001,
  LinkClicks1767100000001,
  StoreDeletedAt1767400000000,
  PacedOutcomes1767500000001,
  OutcomePricing1767500000002,
  AbandonmentVariant1767600000000,
];
