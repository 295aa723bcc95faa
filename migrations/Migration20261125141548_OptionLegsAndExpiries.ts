import { Migration } from '@mikro-orm/migrations';

/**
 * Multi-leg option orders and option expiries (issue 6). Generated, then
 * reviewed by hand. Up only adds: orders.legs (jsonb, null for a single
 * instrument), fills.group_id (the legs of one multi-leg execution), the
 * option_expiries table, and on trade_transactions a nullable expiry_id and
 * execution_id, with order_id and fill_id made nullable and a check that a
 * trade comes from exactly one of a fill or an expiry. The generator's
 * no-op type changes of order_id and fill_id (already bigint) were removed.
 * Down refuses while any multi-leg order or expiry is stored, because it
 * could not keep them (and trades of an expiry have no order or fill).
 */
export class Migration20261125141548_OptionLegsAndExpiries extends Migration {

  override up(): void {
    this.addSql(`create table "option_expiries" ("id" bigserial primary key, "account" varchar(64) not null default 'main', "event_id" varchar(128) not null, "underlying" varchar(32) not null, "expiry" varchar(10) not null, "settlement_price" numeric(20,8) not null, "ts" timestamptz not null, "changes" jsonb not null);`);
    this.addSql(`create index "option_expiries_account_index" on "option_expiries" ("account");`);
    this.addSql(`create index "option_expiries_ts_index" on "option_expiries" ("ts");`);
    this.addSql(`alter table "option_expiries" add constraint "option_expiries_account_event_id_unique" unique ("account", "event_id");`);

    this.addSql(`alter table "orders" add column "legs" jsonb null;`);

    this.addSql(`alter table "fills" add column "group_id" varchar(128) null;`);
    this.addSql(`create index "fills_group_id_index" on "fills" ("group_id");`);

    this.addSql(`alter table "trade_transactions" add column "expiry_id" bigint null, add column "execution_id" varchar(128) null;`);
    this.addSql(`alter table "trade_transactions" alter column "order_id" drop not null;`);
    this.addSql(`alter table "trade_transactions" alter column "fill_id" drop not null;`);
    this.addSql(`alter table "trade_transactions" add constraint "trade_transactions_expiry_id_foreign" foreign key ("expiry_id") references "option_expiries" ("id") on update restrict on delete restrict;`);
    this.addSql(`create index "trade_transactions_expiry_id_index" on "trade_transactions" ("expiry_id");`);
    this.addSql(`alter table "trade_transactions" add constraint "trade_transactions_account_execution_id_unique" unique ("account", "execution_id");`);
    this.addSql(`alter table "trade_transactions" add constraint trade_transactions_source_check check((order_id is not null and fill_id is not null and expiry_id is null and execution_id is null) or (order_id is null and fill_id is null and expiry_id is not null and execution_id is not null));`);
  }

  override down(): void {
    this.addSql(`do $$ begin
  if exists (select 1 from "option_expiries")
    or exists (select 1 from "trade_transactions" where "expiry_id" is not null)
    or exists (select 1 from "orders" where "legs" is not null)
    or exists (select 1 from "fills" where "group_id" is not null) then
    raise exception 'cannot revert Migration20261125141548_OptionLegsAndExpiries: multi-leg orders or option expiries are stored; it would lose them';
  end if;
end $$;`);

    this.addSql(`alter table "trade_transactions" drop constraint "trade_transactions_expiry_id_foreign";`);

    this.addSql(`drop table "option_expiries";`);

    this.addSql(`drop index "fills_group_id_index";`);
    this.addSql(`alter table "fills" drop column "group_id";`);

    this.addSql(`alter table "orders" drop column "legs";`);

    this.addSql(`drop index "trade_transactions_expiry_id_index";`);
    this.addSql(`alter table "trade_transactions" drop constraint "trade_transactions_account_execution_id_unique";`);
    this.addSql(`alter table "trade_transactions" drop constraint trade_transactions_source_check;`);
    this.addSql(`alter table "trade_transactions" drop column "expiry_id", drop column "execution_id";`);

    this.addSql(`alter table "trade_transactions" alter column "order_id" set not null;`);
    this.addSql(`alter table "trade_transactions" alter column "fill_id" set not null;`);
  }

}
