import type { Logger } from 'pino';
import { InputError, errorMessage, isWsbError } from '../../../engine/domain/errors.js';
import type { EngineCommand, EngineControl, Principal } from '../../../engine/gateway/control.js';

const STRATEGY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const REASON_MAX = 200;

export const HELP_TEXT = [
  'Commands:',
  '/status: strategies, breakers and P&L',
  '/positions: open positions',
  '/halt <strategy> [reason]: halt a strategy',
  '/resume <strategy>: resume a halted strategy',
].join('\n');

/** A chat message parsed as an operator command; null when the text is not a command at all. */
export interface ParsedCommand {
  readonly name: string;
  readonly args: readonly string[];
  /** Everything after the first argument, for a free-text reason. */
  readonly rest: string;
}

/**
 * Parses "/halt wsb-dip-bot too volatile" (Telegram may append "@BotName" to
 * the command; Discord users may type "!halt" because "/" opens Discord's
 * slash-command picker). Anything not starting with / or ! is not for us.
 */
export function parseCommand(text: string): ParsedCommand | null {
  const trimmed = text.trim();
  if (!/^[/!][A-Za-z]/.test(trimmed)) return null;
  const words = trimmed.slice(1).split(/\s+/);
  const head = (words[0] ?? '').replace(/@\S*$/, '').toLowerCase();
  const args = words.slice(1);
  const rest = trimmed.slice(1).replace(/^\S+\s*/, '').replace(/^\S+\s*/, '');
  return { name: head, args, rest };
}

function strategyArg(p: ParsedCommand): string {
  const id = p.args[0];
  if (id === undefined) throw new InputError('strategy', `usage: /${p.name} <strategy>`);
  if (!STRATEGY_ID.test(id)) throw new InputError('strategy', 'must be a strategy id such as wsb-dip-bot');
  return id;
}

/**
 * What operators can do from a chat: the same reads as the gateway and the
 * same audited command path (`EngineControl.command`). Authorisation (which
 * chat user may ask) is the bot's job before it calls `run`.
 */
export class OperatorCommands {
  constructor(private readonly control: EngineControl, private readonly logger: Logger) {}

  /** The reply for a command, or null when the text is not a command. Never throws. */
  async run(text: string, by: Principal): Promise<string | null> {
    const parsed = parseCommand(text);
    if (parsed === null) return null;
    try {
      return await this.dispatch(parsed, by);
    } catch (e) {
      if (isWsbError(e)) return `Refused (${e.code}): ${e.message}`;
      this.logger.error({ principal: by.subject, command: parsed.name, err: errorMessage(e) }, 'bot command failed');
      return 'Failed: internal error (see the engine log)';
    }
  }

  private async dispatch(p: ParsedCommand, by: Principal): Promise<string> {
    switch (p.name) {
      case 'start':
      case 'help':
        return HELP_TEXT;
      case 'status':
        this.logger.info({ principal: by.subject, method: by.method, command: 'status' }, 'bot read');
        return this.status();
      case 'positions':
        this.logger.info({ principal: by.subject, method: by.method, command: 'positions' }, 'bot read');
        return this.positions();
      case 'halt': {
        const strategyId = strategyArg(p);
        const reason = p.rest.trim().slice(0, REASON_MAX);
        return this.command({ type: 'halt_strategy', strategyId, ...(reason ? { reason } : {}) }, by);
      }
      case 'resume':
        return this.command({ type: 'resume_strategy', strategyId: strategyArg(p) }, by);
      default:
        return `Unknown command /${p.name}.\n${HELP_TEXT}`;
    }
  }

  private async command(cmd: EngineCommand, by: Principal): Promise<string> {
    const res = await this.control.command(cmd, by);
    const detail = Object.entries(res.result).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
    return `OK ${cmd.type}${detail ? `: ${detail}` : ''}`;
  }

  private status(): string {
    const pnl = this.control.pnl();
    const lines = [`Equity ${pnl.equity.toFixed(2)}, cash ${pnl.cash.toFixed(2)}, realized ${pnl.realized.toFixed(2)}, unrealized ${pnl.unrealized.toFixed(2)}`];
    for (const b of this.control.breakers()) lines.push(`breaker ${b.scope}: ${b.state}${b.reason ? ` (${b.reason})` : ''}`);
    for (const s of this.control.strategies()) {
      lines.push(`${s.id}: ${s.state}${s.haltReason ? ` (${s.haltReason})` : ''}${s.signals.degraded ? ', signals degraded' : ''}`);
    }
    return lines.join('\n');
  }

  private positions(): string {
    const open = this.control.positions().filter((p) => p.quantity !== 0);
    if (open.length === 0) return 'No open positions';
    return open.map((p) => `${p.symbol} ${p.quantity} @ ${p.avgCost.toFixed(2)} (realized ${p.realizedPnl.toFixed(2)})`).join('\n');
  }
}
