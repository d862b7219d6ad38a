import { ACTIVITY_TYPES } from '../../../lambda/domain/activity';
import {
  ENGAGEMENT_RULES,
  type EngagementRule,
  engagementScore,
  isHighEngagement,
  matchedRules,
  zeroCounts,
} from '../../../lambda/domain/engagement';

describe('engagement score rules', () => {
  it.each([
    ['a short view', { activityType: 'view', duration: 5 }, 0],
    ['exactly 60 s is not over 60 s', { activityType: 'view', duration: 60 }, 0],
    ['a visit over 60 s', { activityType: 'view', duration: 60.5 }, 10],
    ['a quick purchase', { activityType: 'purchase', duration: 0 }, 20],
    ['a long purchase scores both rules', { activityType: 'purchase', duration: 600 }, 30],
    ['a long add_to_cart', { activityType: 'add_to_cart', duration: 61 }, 10],
  ] as const)('%s scores %i', (_, event, score) => {
    expect(engagementScore(event)).toBe(score);
  });

  it('names the rules an event satisfies', () => {
    expect(matchedRules({ activityType: 'purchase', duration: 120 })).toEqual(['long-visit', 'purchase']);
    expect(matchedRules({ activityType: 'search', duration: 1 })).toEqual([]);
  });

  it('is one table: a new row is a new rule, nothing else changes', () => {
    const searchBonus: EngagementRule = { name: 'search', points: 2, applies: (e) => e.activityType === 'search' };
    const rules = [...ENGAGEMENT_RULES, searchBonus];
    expect(engagementScore({ activityType: 'search', duration: 90 }, rules)).toBe(12);
    expect(engagementScore({ activityType: 'search', duration: 90 })).toBe(10);
  });

  it('reaches the threshold at equality', () => {
    expect(isHighEngagement(99, 100)).toBe(false);
    expect(isHighEngagement(100, 100)).toBe(true);
  });

  it('counts every activity type from zero', () => {
    expect(Object.keys(zeroCounts()).sort()).toEqual([...ACTIVITY_TYPES].sort());
    expect(Object.values(zeroCounts()).every((n) => n === 0)).toBe(true);
  });
});
