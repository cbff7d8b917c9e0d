/**
 * A team's own entry of a per-team setting (SLACK_WEBHOOK_URLS, DIGEST_EMAILS), else its default
 * (`*`), else none.
 */
export function forTeam<T>(team: string, byTeam: Record<string, T>): T | undefined {
  // Own keys only: a team called "constructor" or "__proto__" must not find Object's members.
  if (Object.hasOwn(byTeam, team)) return byTeam[team];
  return Object.hasOwn(byTeam, "*") ? byTeam["*"] : undefined;
}

/** The teams a per-team setting names on their own (not the default `*`). */
export function namedTeams(byTeam: Record<string, unknown>): string[] {
  return Object.keys(byTeam).filter((team) => team !== "*");
}
