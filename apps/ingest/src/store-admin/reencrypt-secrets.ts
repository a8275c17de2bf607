import type { DataSource } from 'typeorm';
import { kafkaSecurityOf } from '@lib/config';
import { prefixedTopic, TOPIC } from '@lib/contracts';
import { createDataSource } from '@lib/database';
import { createKafka, OutgoingRecord, RecordProducer } from '@lib/kafka';
import type { Logger } from '@lib/observability';
import { Keyring, sealStoreSecrets, SecretUnreadable } from '@lib/secrets';
import type { IngestConfig } from '../config';
import { ingestDatabase } from '../database';
import { StoreSettingsRepository } from './store-settings.repository';

export interface ReencryptReport {
  stores: number;
  /** Stores sealed again under the current key (or sealed for the first time: plaintext rows). */
  resealed: number;
  /** Stores whose secrets were under the current key already. */
  current: number;
  /** Stores whose secrets do not open with the keyring: left as they were. */
  unreadable: Array<{ storeId: string; reason: string }>;
}

/**
 * Seals every store's secrets under the keyring's current key: rows of an older key are
 * opened and sealed again, rows from before encryption are sealed, and each changed store is
 * published again on `store-settings` (so the sender's copy follows, and compaction drops the
 * older records). Each store is done under its lock, as a PUT is; running it twice is harmless.
 */
export async function reencryptStoreSecrets(o: {
  repository: StoreSettingsRepository;
  keyring: Keyring;
  topic: string;
  publish(records: OutgoingRecord[]): Promise<void>;
}): Promise<ReencryptReport> {
  const report: ReencryptReport = { stores: 0, resealed: 0, current: 0, unreadable: [] };
  for (const storeId of await o.repository.storeIds()) {
    await o.repository.withStoreLocked(storeId, async (row, tx) => {
      if (!row) return; // deleted meanwhile
      report.stores++;
      let sealed;
      try {
        sealed = sealStoreSecrets(row.settings, o.keyring, { reseal: true });
      } catch (error) {
        if (!(error instanceof SecretUnreadable)) throw error;
        report.unreadable.push({ storeId, reason: error.message });
        return;
      }
      if (!sealed.changed) {
        report.current++;
        return;
      }
      await tx.save(sealed.settings);
      // Published before the commit, as a PUT: a failed publish leaves the row as it was.
      await o.publish([{ topic: o.topic, key: storeId, value: JSON.stringify(sealed.settings) }]);
      report.resealed++;
    });
  }
  return report;
}

/** `node dist/apps/ingest/main.js reencrypt-secrets`: the rotation and upgrade command. */
export async function runReencryptSecrets(config: IngestConfig, logger: Logger): Promise<ReencryptReport> {
  const dataSource: DataSource = createDataSource(ingestDatabase(config));
  const producer = new RecordProducer(
    createKafka(
      {
        brokers: config.KAFKA_BROKERS,
        clientId: `${config.KAFKA_CLIENT_ID}-reencrypt`,
        security: kafkaSecurityOf(config),
      },
      logger,
    ),
  );
  try {
    await dataSource.initialize();
    await producer.connect();
    const report = await reencryptStoreSecrets({
      repository: new StoreSettingsRepository(dataSource),
      keyring: config.SECRETS_ENCRYPTION_KEYS,
      topic: prefixedTopic(config.TOPIC_PREFIX, TOPIC.storeSettings),
      publish: (records) => producer.send(records),
    });
    const { unreadable, ...counts } = report;
    for (const store of unreadable) {
      logger.error({ alert: 'store-secret-unreadable', ...store }, 'store secrets not re-encrypted: they do not open');
    }
    logger.info(
      { ...counts, unreadable: unreadable.length, keyId: config.SECRETS_ENCRYPTION_KEYS.currentKeyId },
      'store secrets re-encrypted',
    );
    // Stores left as they were: the command fails, so a deploy pipeline stops before the old key goes.
    if (unreadable.length) process.exitCode = 1;
    return report;
  } finally {
    await producer.disconnect().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}
