// Each chaos test file: point the e2e helpers and the SDK at the chaos suite's cloud (global-setup.ts).
if (process.env.CHAOS_ENV) Object.assign(process.env, JSON.parse(process.env.CHAOS_ENV) as Record<string, string>);
