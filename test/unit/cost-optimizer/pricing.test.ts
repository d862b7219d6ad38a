import {
  billedDurationMs,
  costPerInvocation,
  costPerMillion,
  gbSeconds,
  isValidMemory,
  monthlyCharges,
  monthlyInvocations,
  priceTable,
  US_EAST_1_PRICES,
} from '#cost-domain/pricing';

const cents = (n: number) => Math.round(n * 100) / 100;

describe('price table', () => {
  it('holds the us-east-1 on-demand prices, dated, with their region', () => {
    expect(US_EAST_1_PRICES).toMatchObject({
      region: 'us-east-1',
      perGbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 },
      perRequest: 0.0000002,
      freeTier: { requests: 1_000_000, gbSeconds: 400_000 },
    });
    expect(US_EAST_1_PRICES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(priceTable('us-east-1')).toBe(US_EAST_1_PRICES);
    expect(() => priceTable('eu-west-9')).toThrow(/No Lambda price table for region eu-west-9/);
  });
});

// Worked examples of https://aws.amazon.com/lambda/pricing/ (US East, N. Virginia).
describe("AWS's worked examples", () => {
  it('512 MB, 3M invocations of 1 s, free tier applied: $18.34 compute + $0.40 requests', () => {
    const bill = monthlyCharges({ memoryMb: 512, durationMs: 1000, invocations: 3_000_000, architecture: 'x86_64', applyFreeTier: true });
    expect(bill.gbSeconds).toBe(1_500_000);
    expect(bill.billableGbSeconds).toBe(1_100_000);
    expect(bill.billableRequests).toBe(2_000_000);
    // AWS's example prices at $0.00001667 (rounded) and shows $18.34; the table's exact price gives $18.3334.
    expect(cents(bill.computeCharge)).toBe(18.33);
    expect(cents(bill.requestCharge)).toBe(0.4);
    // The same code with AWS's rounded price yields AWS's published figure.
    const awsRounded = { ...US_EAST_1_PRICES, perGbSecond: { ...US_EAST_1_PRICES.perGbSecond, x86_64: 0.00001667 } };
    const asPublished = monthlyCharges(
      { memoryMb: 512, durationMs: 1000, invocations: 3_000_000, architecture: 'x86_64', applyFreeTier: true },
      awsRounded,
    );
    expect(cents(asPublished.computeCharge)).toBe(18.34);
  });

  it('128 MB, 30M invocations of 200 ms, free tier applied: $5.83 + $5.80 = $11.63', () => {
    const bill = monthlyCharges({ memoryMb: 128, durationMs: 200, invocations: 30_000_000, architecture: 'x86_64', applyFreeTier: true });
    expect(bill.gbSeconds).toBe(750_000);
    expect(bill.billableGbSeconds).toBe(350_000);
    expect(cents(bill.computeCharge)).toBe(5.83);
    expect(cents(bill.requestCharge)).toBe(5.8);
    expect(cents(bill.total)).toBe(11.63);
  });

  it('mobile backend: 1,536 MB x86, 3M requests of 120 ms = 540,000 GB-s: $9.00 + $0.60', () => {
    const bill = monthlyCharges({ memoryMb: 1536, durationMs: 120, invocations: 3_000_000, architecture: 'x86_64' });
    expect(bill.gbSeconds).toBeCloseTo(540_000, 6);
    expect(cents(bill.computeCharge)).toBe(9);
    expect(cents(bill.requestCharge)).toBe(0.6);
    expect(cents(bill.total)).toBe(9.6);
  });

  it('the same workload on arm64 is priced at $0.0000133334/GB-s: $7.20 compute', () => {
    const bill = monthlyCharges({ memoryMb: 1536, durationMs: 120, invocations: 3_000_000, architecture: 'arm64' });
    expect(cents(bill.computeCharge)).toBe(7.2);
  });

  it('1 ms billing (AWS News Blog, Dec 2020): 60M invocations of 28 ms at 1 GB: $28 + $12', () => {
    const bill = monthlyCharges({ memoryMb: 1024, durationMs: 27.55, invocations: 60_000_000, architecture: 'x86_64' });
    expect(billedDurationMs(27.55)).toBe(28);
    expect(Math.round(bill.computeCharge)).toBe(28);
    expect(cents(bill.requestCharge)).toBe(12);
  });
});

describe('billing rules', () => {
  it('rounds a duration up to the next whole millisecond, with no minimum', () => {
    expect(billedDurationMs(0)).toBe(0);
    expect(billedDurationMs(0.2)).toBe(1);
    expect(billedDurationMs(1.0001)).toBe(2);
    expect(billedDurationMs(120)).toBe(120);
    expect(billedDurationMs(120.0000000001)).toBe(120); // float noise from averaging is not a millisecond
    expect(() => billedDurationMs(-1)).toThrow(RangeError);
  });

  it('accepts 128 to 10,240 MB in whole MB', () => {
    expect([128, 129, 1769, 10_240].every(isValidMemory)).toBe(true);
    expect([127, 10_241, 512.5, Number.NaN].some(isValidMemory)).toBe(false);
    expect(() => costPerInvocation({ memoryMb: 64, billedDurationMs: 1, architecture: 'arm64' })).toThrow(/128 to 10240/);
  });

  it('prices one invocation as GB-s times the rate plus one request', () => {
    expect(gbSeconds(1024, 1000)).toBe(1);
    expect(costPerInvocation({ memoryMb: 1024, billedDurationMs: 1000, architecture: 'arm64' })).toBeCloseTo(0.0000133334 + 0.0000002, 15);
    expect(costPerMillion({ memoryMb: 128, billedDurationMs: 0, architecture: 'x86_64' })).toBeCloseTo(0.2, 12);
  });

  it('extrapolates an observed rate to a 730-hour month', () => {
    expect(monthlyInvocations(1000, 24)).toBeCloseTo((1000 * 730) / 24, 9);
    expect(monthlyInvocations(1000, 0)).toBe(0);
  });
});
