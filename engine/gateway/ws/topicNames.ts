/** The topics of `/ws` (docs/websocket.md, "Topics"). */
export const STATIC_TOPICS = ['orders', 'fills', 'positions', 'pnl', 'strategies', 'breaker', 'signals'] as const;
export type StaticTopic = (typeof STATIC_TOPICS)[number];
export const BARS_PREFIX = 'bars:';
const BAR_SYMBOL = /^[A-Z0-9^][A-Z0-9.^_-]{0,31}$/;

/** Why `name` is not a topic, or null when it is one. */
export function topicProblem(name: string): string | null {
  if ((STATIC_TOPICS as readonly string[]).includes(name)) return null;
  if (name.startsWith(BARS_PREFIX)) {
    const symbol = name.slice(BARS_PREFIX.length);
    if (BAR_SYMBOL.test(symbol)) return null;
    return `bad symbol ${JSON.stringify(symbol)} in topic ${JSON.stringify(name)}: 1-32 upper-case letters, digits or . _ - ^`;
  }
  return `unknown topic ${JSON.stringify(name)}; topics are ${STATIC_TOPICS.join(', ')} and bars:SYMBOL`;
}
