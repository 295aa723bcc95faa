import { Migration } from '@mikro-orm/migrations';

/**
 * Account-scoped stores: an `account` column (default 'main', so existing rows become the daemon's)
 * on orders, fills, positions, trade_transactions, signal_decisions and engine_state; positions and
 * engine_state are keyed by (account, …). Reviewed by hand: down() refuses while rows of another
 * account exist, because dropping the column would merge a backtest's book into the daemon's
 * (and the old primary keys could not hold them anyway).
 */
export class Migration20261125110418 extends Migration {

  override up(): void {
    this.addSql(`alter table "engine_state" drop constraint "engine_state_pkey";`);

    this.addSql(`alter table "engine_state" add column "account" varchar(64) not null default 'main';`);
    this.addSql(`alter table "engine_state" add constraint "engine_state_pkey" primary key ("account", "key");`);

    this.addSql(`alter table "orders" add column "account" varchar(64) not null default 'main';`);
    this.addSql(`create index "orders_account_index" on "orders" ("account");`);

    this.addSql(`alter table "fills" add column "account" varchar(64) not null default 'main';`);
    this.addSql(`create index "fills_account_index" on "fills" ("account");`);

    this.addSql(`alter table "positions" drop constraint "positions_pkey";`);

    this.addSql(`alter table "positions" add column "account" varchar(64) not null default 'main';`);
    this.addSql(`alter table "positions" add constraint "positions_pkey" primary key ("account", "symbol");`);

    this.addSql(`alter table "signal_decisions" add column "account" varchar(64) not null default 'main';`);
    this.addSql(`create index "signal_decisions_account_index" on "signal_decisions" ("account");`);

    this.addSql(`alter table "trade_transactions" add column "account" varchar(64) not null default 'main';`);
    this.addSql(`create index "trade_transactions_account_index" on "trade_transactions" ("account");`);
  }

  override down(): void {
    this.addSql(`do $$ begin
  if exists (select 1 from "orders" where "account" <> 'main')
    or exists (select 1 from "fills" where "account" <> 'main')
    or exists (select 1 from "positions" where "account" <> 'main')
    or exists (select 1 from "trade_transactions" where "account" <> 'main')
    or exists (select 1 from "signal_decisions" where "account" <> 'main')
    or exists (select 1 from "engine_state" where "account" <> 'main') then
    raise exception 'cannot revert Migration20261125110418: rows of accounts other than ''main'' exist; delete them first (trade_transactions, fills, orders, positions, signal_decisions, engine_state where account <> ''main'')';
  end if;
end $$;`);

    this.addSql(`alter table "engine_state" drop constraint "engine_state_pkey";`);
    this.addSql(`alter table "engine_state" drop column "account";`);

    this.addSql(`alter table "engine_state" add constraint "engine_state_pkey" primary key ("key");`);

    this.addSql(`drop index "fills_account_index";`);
    this.addSql(`alter table "fills" drop column "account";`);

    this.addSql(`drop index "orders_account_index";`);
    this.addSql(`alter table "orders" drop column "account";`);

    this.addSql(`alter table "positions" drop constraint "positions_pkey";`);
    this.addSql(`alter table "positions" drop column "account";`);

    this.addSql(`alter table "positions" add constraint "positions_pkey" primary key ("symbol");`);

    this.addSql(`drop index "signal_decisions_account_index";`);
    this.addSql(`alter table "signal_decisions" drop column "account";`);

    this.addSql(`drop index "trade_transactions_account_index";`);
    this.addSql(`alter table "trade_transactions" drop column "account";`);
  }

}
