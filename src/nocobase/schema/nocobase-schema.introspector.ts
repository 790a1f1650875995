import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { resolveNocobaseSchema, type CatalogColumn } from './nocobase-schema.resolver';
import type { NocobaseSchema } from './nocobase-schema';

/** Reads the catalog once at start-up and resolves NocoBase's physical names. */
@Injectable()
export class NocobaseSchemaIntrospector {
  private readonly logger = new Logger(NocobaseSchemaIntrospector.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async introspect(): Promise<NocobaseSchema> {
    const catalog: CatalogColumn[] = await this.dataSource.query(
      `SELECT table_schema AS schema, table_name AS "table", column_name AS "column"
         FROM information_schema.columns
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema', $1)
          AND table_schema NOT LIKE 'pg\\_%'
          AND ($2::text IS NULL OR table_schema = $2)`,
      [this.config.database.bridgeSchema, this.config.nocobase.schema],
    );
    const schema = resolveNocobaseSchema(catalog, this.config.nocobase);
    const unavailable = Object.entries(schema.features)
      .filter(([, on]) => !on)
      .map(([name]) => name);
    this.logger.log(
      `NocoBase schema: ${schema.schema}, prefix "${schema.tablePrefix}", ${schema.underscored ? 'underscored' : 'camelCase'}` +
        (unavailable.length ? `; not present: ${unavailable.join(', ')}` : ''),
    );
    return schema;
  }
}
