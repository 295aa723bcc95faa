import { Migration } from '@mikro-orm/migrations';

/** The audit log (breaker transitions, operator commands, alerts): append-only, account-scoped. */
export class Migration20261125131505_AuditEvents extends Migration {

  override up(): void {
    this.addSql(`create table "audit_events" ("id" bigserial primary key, "account" varchar(64) not null default 'main', "ts" timestamptz not null, "category" text check ("category" in ('breaker', 'command', 'alert')) not null, "scope" varchar(128) not null, "action" varchar(64) not null, "actor" varchar(128) not null, "detail" jsonb not null);`);
    this.addSql(`create index "audit_events_account_index" on "audit_events" ("account");`);
    this.addSql(`create index "audit_events_ts_index" on "audit_events" ("ts");`);
    this.addSql(`create index "audit_events_category_index" on "audit_events" ("category");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "audit_events" cascade;`);
  }

}
