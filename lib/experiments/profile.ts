// Run profiles: how much compute an experiment spends (the grids are sized by them). `qkv reproduce --profile P`
// passes the profile to the kernel as QKV_PROFILE; a notebook picks its sizes with `byProfile({ smoke, default, full })`.
export const PROFILES = ["smoke", "default", "full"] as const;
export type Profile = (typeof PROFILES)[number];

export function parseProfile(value: string, source = "profile"): Profile {
  if ((PROFILES as readonly string[]).includes(value)) return value as Profile;
  throw new Error(`${source}=${JSON.stringify(value)} is not a profile; use one of ${PROFILES.join(", ")}`);
}

/** The profile this process runs under (QKV_PROFILE, default "default"). */
export function currentProfile(env: NodeJS.ProcessEnv = process.env): Profile {
  return parseProfile(env.QKV_PROFILE ?? "default", "QKV_PROFILE");
}

/** The value for the current profile, e.g. `byProfile({ smoke: 2, default: 20, full: 200 })`. */
export function byProfile<T>(values: Record<Profile, T>, profile: Profile = currentProfile()): T {
  return values[profile];
}
