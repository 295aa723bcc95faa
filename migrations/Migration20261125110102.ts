import { Migration } from '@mikro-orm/migrations';

export class Migration20261125110102 extends Migration {

  override up(): void {
    this.addSql(`create table "companies" ("ticker" varchar(20) not null, "name" varchar(255) not null, constraint "companies_pkey" primary key ("ticker"));`);

    this.addSql(`create table "engine_state" ("key" varchar(128) not null, "value" text not null, "updated_at" timestamptz not null, constraint "engine_state_pkey" primary key ("key"));`);

    this.addSql(`create table "orders" ("id" bigserial primary key, "client_order_id" varchar(64) not null, "strategy_id" varchar(64) not null, "symbol" varchar(32) not null, "instrument_kind" text check ("instrument_kind" in ('equity', 'option')) not null, "side" text check ("side" in ('buy', 'sell')) not null, "quantity" int not null, "order_type" text check ("order_type" in ('market', 'limit')) not null, "limit_price" numeric(20,8) null, "status" text check ("status" in ('new', 'pending_submit', 'submitted', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired')) not null, "filled_quantity" int not null, "avg_fill_price" numeric(20,8) null, "broker_order_id" varchar(128) null, "reason" text not null, "reject_reason" text null, "signal_id" varchar(255) null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "orders" add constraint "orders_client_order_id_unique" unique ("client_order_id");`);
    this.addSql(`create index "orders_strategy_id_index" on "orders" ("strategy_id");`);
    this.addSql(`create index "orders_symbol_index" on "orders" ("symbol");`);
    this.addSql(`create index "orders_status_index" on "orders" ("status");`);
    this.addSql(`create index "orders_created_at_index" on "orders" ("created_at");`);

    this.addSql(`create table "fills" ("id" bigserial primary key, "fill_id" varchar(128) not null, "order_id" bigint not null, "symbol" varchar(32) not null, "side" text check ("side" in ('buy', 'sell')) not null, "quantity" int not null, "price" numeric(20,8) not null, "commission" numeric(20,8) not null, "ts" timestamptz not null);`);
    this.addSql(`alter table "fills" add constraint "fills_fill_id_unique" unique ("fill_id");`);
    this.addSql(`create index "fills_order_id_index" on "fills" ("order_id");`);
    this.addSql(`create index "fills_symbol_index" on "fills" ("symbol");`);
    this.addSql(`create index "fills_ts_index" on "fills" ("ts");`);

    this.addSql(`create table "positions" ("symbol" varchar(32) not null, "quantity" int not null, "avg_cost" numeric(20,8) not null, "realized_pnl" numeric(20,8) not null, "updated_at" timestamptz not null, constraint "positions_pkey" primary key ("symbol"));`);

    this.addSql(`create table "signal_decisions" ("id" bigserial primary key, "signal_id" varchar(255) not null, "strategy_id" varchar(64) not null, "symbol" varchar(32) not null, "kind" text check ("kind" in ('entry', 'exit')) not null, "ts" timestamptz not null, "strength" double precision not null, "score" double precision not null, "threshold" double precision not null, "decision" text check ("decision" in ('accepted', 'rejected')) not null, "reason" text not null, "features" jsonb not null, "client_order_id" varchar(64) null);`);
    this.addSql(`alter table "signal_decisions" add constraint "signal_decisions_signal_id_unique" unique ("signal_id");`);
    this.addSql(`create index "signal_decisions_strategy_id_index" on "signal_decisions" ("strategy_id");`);
    this.addSql(`create index "signal_decisions_ts_index" on "signal_decisions" ("ts");`);

    this.addSql(`create table "trade_transactions" ("id" bigserial primary key, "order_id" bigint not null, "fill_id" bigint not null, "strategy_id" varchar(64) not null, "symbol" varchar(32) not null, "side" text check ("side" in ('BUY', 'SELL')) not null, "quantity" int not null, "price" numeric(20,8) not null, "fees" numeric(20,8) not null, "gross_amount" numeric(20,8) not null, "executed_at" timestamptz not null);`);
    this.addSql(`create index "trade_transactions_order_id_index" on "trade_transactions" ("order_id");`);
    this.addSql(`alter table "trade_transactions" add constraint "trade_transactions_fill_id_unique" unique ("fill_id");`);
    this.addSql(`create index "trade_transactions_symbol_index" on "trade_transactions" ("symbol");`);
    this.addSql(`create index "trade_transactions_executed_at_index" on "trade_transactions" ("executed_at");`);

    this.addSql(`alter table "fills" add constraint "fills_order_id_foreign" foreign key ("order_id") references "orders" ("id") on update restrict on delete restrict;`);

    this.addSql(`alter table "trade_transactions" add constraint "trade_transactions_order_id_foreign" foreign key ("order_id") references "orders" ("id") on update restrict on delete restrict;`);
    this.addSql(`alter table "trade_transactions" add constraint "trade_transactions_fill_id_foreign" foreign key ("fill_id") references "fills" ("id") on update restrict on delete restrict;`);
  }

  override down(): void {
    this.addSql(`alter table "fills" drop constraint "fills_order_id_foreign";`);

    this.addSql(`alter table "trade_transactions" drop constraint "trade_transactions_order_id_foreign";`);

    this.addSql(`alter table "trade_transactions" drop constraint "trade_transactions_fill_id_foreign";`);

    this.addSql(`drop table if exists "companies" cascade;`);

    this.addSql(`drop table if exists "engine_state" cascade;`);

    this.addSql(`drop table if exists "orders" cascade;`);

    this.addSql(`drop table if exists "fills" cascade;`);

    this.addSql(`drop table if exists "positions" cascade;`);

    this.addSql(`drop table if exists "signal_decisions" cascade;`);

    this.addSql(`drop table if exists "trade_transactions" cascade;`);
  }

}
