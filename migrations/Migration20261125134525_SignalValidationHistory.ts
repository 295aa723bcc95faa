import { Migration } from '@mikro-orm/migrations';

/**
 * signal_decisions becomes signal_validation_history (issue 5): renamed, not
 * re-created, so the history is kept; every index, constraint and the id
 * sequence follow the new name. New columns: the grade, the score components,
 * the data-quality result and the outcome of the trade (P&L, return, holding
 * time, close time), all nullable so existing rows stay valid. The audit log
 * gains the 'signals' category (threshold changes). Written by hand: the
 * generator's diff would have dropped the table.
 */
export class Migration20261125134525_SignalValidationHistory extends Migration {

  override up(): void {
    this.addSql(`alter table "signal_decisions" rename to "signal_validation_history";`);
    this.addSql(`alter table "signal_validation_history" rename constraint "signal_decisions_pkey" to "signal_validation_history_pkey";`);
    this.addSql(`alter table "signal_validation_history" rename constraint "signal_decisions_signal_id_unique" to "signal_validation_history_signal_id_unique";`);
    this.addSql(`alter index "signal_decisions_account_index" rename to "signal_validation_history_account_index";`);
    this.addSql(`alter index "signal_decisions_strategy_id_index" rename to "signal_validation_history_strategy_id_index";`);
    this.addSql(`alter index "signal_decisions_ts_index" rename to "signal_validation_history_ts_index";`);
    this.addSql(`alter sequence "signal_decisions_id_seq" rename to "signal_validation_history_id_seq";`);
    this.addSql(`alter table "signal_validation_history" add column "grade" varchar(16) not null default 'very_poor', add column "components" jsonb null, add column "data_quality" jsonb null, add column "outcome_pnl" numeric(20,8) null, add column "outcome_return" double precision null, add column "outcome_holding_ms" bigint null, add column "outcome_closed_at" timestamptz null;`);

    this.addSql(`alter table "audit_events" drop constraint if exists "audit_events_category_check";`);
    this.addSql(`alter table "audit_events" add constraint "audit_events_category_check" check("category" in ('breaker', 'command', 'alert', 'signals'));`);
  }

  override down(): void {
    this.addSql(`delete from "audit_events" where "category" = 'signals';`);
    this.addSql(`alter table "audit_events" drop constraint if exists "audit_events_category_check";`);
    this.addSql(`alter table "audit_events" add constraint "audit_events_category_check" check("category" in ('breaker', 'command', 'alert'));`);

    this.addSql(`alter table "signal_validation_history" drop column "grade", drop column "components", drop column "data_quality", drop column "outcome_pnl", drop column "outcome_return", drop column "outcome_holding_ms", drop column "outcome_closed_at";`);
    this.addSql(`alter sequence "signal_validation_history_id_seq" rename to "signal_decisions_id_seq";`);
    this.addSql(`alter index "signal_validation_history_ts_index" rename to "signal_decisions_ts_index";`);
    this.addSql(`alter index "signal_validation_history_strategy_id_index" rename to "signal_decisions_strategy_id_index";`);
    this.addSql(`alter index "signal_validation_history_account_index" rename to "signal_decisions_account_index";`);
    this.addSql(`alter table "signal_validation_history" rename constraint "signal_validation_history_signal_id_unique" to "signal_decisions_signal_id_unique";`);
    this.addSql(`alter table "signal_validation_history" rename constraint "signal_validation_history_pkey" to "signal_decisions_pkey";`);
    this.addSql(`alter table "signal_validation_history" rename to "signal_decisions";`);
  }

}
