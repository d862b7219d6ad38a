import { ACTIVITY_TYPES, type ActivityType } from './activity';

/** What a rule may look at: the type and the duration of one event. */
export interface Scorable {
  readonly activityType: ActivityType;
  /** Seconds. */
  readonly duration: number;
}

/** One way an event earns engagement points. */
export interface EngagementRule {
  /** Shown in logs and tests; stable, so it can be referred to. */
  readonly name: string;
  readonly points: number;
  readonly applies: (event: Scorable) => boolean;
}

/**
 * The engagement rules, in one table: an event scores the sum of the points of
 * every rule that applies to it. Add a row to add a rule; nothing else changes.
 */
export const ENGAGEMENT_RULES: readonly EngagementRule[] = [
  { name: 'long-visit', points: 10, applies: (event) => event.duration > 60 },
  { name: 'purchase', points: 20, applies: (event) => event.activityType === 'purchase' },
];

/** The engagement score of one event under `rules` (the platform's table by default). */
export function engagementScore(event: Scorable, rules: readonly EngagementRule[] = ENGAGEMENT_RULES): number {
  return rules.reduce((score, rule) => (rule.applies(event) ? score + rule.points : score), 0);
}

/** The names of the rules an event satisfies (for logs and explanations). */
export function matchedRules(event: Scorable, rules: readonly EngagementRule[] = ENGAGEMENT_RULES): string[] {
  return rules.filter((rule) => rule.applies(event)).map((rule) => rule.name);
}

/** A user's engagement, aggregated from every activity event counted once. */
export interface Engagement {
  readonly userId: string;
  readonly totalScore: number;
  readonly eventCount: number;
  /** Every activity type, with 0 for a type the user never did. */
  readonly eventsByType: Record<ActivityType, number>;
  /** The latest event timestamp seen (not the latest to arrive). */
  readonly lastActivityAt?: string;
  readonly lastActivityType?: ActivityType;
  /** When the user first crossed the high-engagement threshold. */
  readonly highEngagementAt?: string;
}

/** An empty count per activity type. */
export function zeroCounts(): Record<ActivityType, number> {
  return Object.fromEntries(ACTIVITY_TYPES.map((type) => [type, 0])) as Record<ActivityType, number>;
}

/** True when a total has reached the threshold (a total equal to it counts). */
export function isHighEngagement(totalScore: number, threshold: number): boolean {
  return totalScore >= threshold;
}
