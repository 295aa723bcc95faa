import { z } from 'zod';
import type { Alert, AlertSeverity } from '../../engine/bus.js';
import { ConfigError } from '../../engine/domain/errors.js';
import { SEVERITY_RANK } from './batch.js';

/** Where alerts of which severity and type go, per channel. */
export interface ChannelRoute {
  /** Alerts at or above this severity go to the channel (subject to `types`). */
  readonly minSeverity: AlertSeverity;
  /** Allow-list of types; absent = every type. */
  readonly types?: readonly string[] | undefined;
  /** Types sent whatever their severity (the daily P&L summary is info but worth a message). */
  readonly alwaysTypes: readonly string[];
}

export type RouteTable = Readonly<Record<string, ChannelRoute>>;

export const CHANNEL_NAMES = ['discord', 'slack', 'telegram', 'email'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** Critical and warning to every configured channel, info only to the log, except the daily summary. */
export const DEFAULT_ROUTE: ChannelRoute = { minSeverity: 'warning', alwaysTypes: ['DAILY_PNL_SUMMARY'] };

const typeName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an alert type like ORDER_REJECTED');

const routeSchema = z
  .object({
    minSeverity: z.enum(['info', 'warning', 'critical']).optional(),
    types: z.array(typeName).min(1, 'must list at least one type (omit it for every type)').optional(),
    alwaysTypes: z.array(typeName).optional(),
  })
  .strict();

const routesSchema = z.partialRecord(z.enum(CHANNEL_NAMES), routeSchema);

/**
 * Parses ALERT_ROUTES, a JSON object keyed by channel, e.g.
 * {"email":{"minSeverity":"critical"},"slack":{"minSeverity":"info","types":["FILL","ORDER_REJECTED"]}}.
 * Channels it does not name keep DEFAULT_ROUTE.
 */
export function parseRoutes(text: string | undefined, variable = 'ALERT_ROUTES'): Partial<Record<ChannelName, ChannelRoute>> {
  if (text === undefined || text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    throw new ConfigError(variable, 'must be a JSON object keyed by channel (discord, slack, telegram, email)');
  }
  const parsed = routesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.code === 'unrecognized_keys') {
      throw new ConfigError([variable, ...issue.path, issue.keys[0]].join('.'), `unknown ${issue.path.length === 0 ? `channel (must be one of ${CHANNEL_NAMES.join(', ')})` : 'setting (minSeverity, types, alwaysTypes)'}`);
    }
    const where = issue && issue.path.length > 0 ? `${variable}.${issue.path.join('.')}` : variable;
    throw new ConfigError(where, issue?.message ?? 'invalid');
  }
  const out: Partial<Record<ChannelName, ChannelRoute>> = {};
  for (const [name, r] of Object.entries(parsed.data) as Array<[ChannelName, z.infer<typeof routeSchema>]>) {
    out[name] = { minSeverity: r.minSeverity ?? DEFAULT_ROUTE.minSeverity, types: r.types, alwaysTypes: r.alwaysTypes ?? DEFAULT_ROUTE.alwaysTypes };
  }
  return out;
}

export function routeAccepts(route: ChannelRoute, alert: Pick<Alert, 'type' | 'severity'>): boolean {
  if (route.alwaysTypes.includes(alert.type)) return true;
  if (route.types !== undefined && !route.types.includes(alert.type)) return false;
  return SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[route.minSeverity];
}
