import type { MigrationInterface, QueryRunner } from 'typeorm';
import { bridgeSchema } from './bridge-schema';

/**
 * How far a run has read the directory (departments read of all), beside the members it has handled: the read
 * drives a pipelined run, so it is what a progress bar shows; members handled only ever trail the members read.
 */
export class RunReadProgress1764979200000 implements MigrationInterface {
  name = 'RunReadProgress1764979200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${bridgeSchema(q)}.sync_runs ADD COLUMN read_done integer NOT NULL DEFAULT 0, ADD COLUMN read_total integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${bridgeSchema(q)}.sync_runs DROP COLUMN read_done, DROP COLUMN read_total`);
  }
}
