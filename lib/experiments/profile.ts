// Run profiles: how much compute an experiment spends (the grids are sized by them). `qkv reproduce --profile P`
// passes the profile to the kernel as QKV_PROFILE; a notebook picks its sizes with `byProfile({ smoke, default,
// full })`. `paper` runs the paper's and the authors' scripts' settings (lib/paper/settings.ts PAPER_RUNS) on a real
// model.
export const PROFILES = ["smoke", "default", "full", "paper"] as const;
export type Profile = (typeof PROFILES)[number];

export function parseProfile(value: string, source = "profile"): Profile {
  if ((PROFILES as readonly string[]).includes(value)) return value as Profile;
  throw new Error(`${source}=${JSON.stringify(value)} is not a profile; use one of ${PROFILES.join(", ")}`);
}

/**
 * The profile this process runs under: QKV_PROFILE; unset, `paper` when MODEL_DIR names a real model (a mini
 * protocol on a real RoBERTa or Llama would be neither the paper's experiment nor ours), else `default`.
 */
export function currentProfile(env: NodeJS.ProcessEnv = process.env): Profile {
  if (env.QKV_PROFILE !== undefined) return parseProfile(env.QKV_PROFILE, "QKV_PROFILE");
  return env.MODEL_DIR !== undefined && env.MODEL_DIR.trim() !== "" ? "paper" : "default";
}

/** What the profile means, for the line every notebook and run prints first. */
export function describeProfile(profile: Profile, env: NodeJS.ProcessEnv = process.env): string {
  const source = env.QKV_PROFILE !== undefined ? "QKV_PROFILE" : env.MODEL_DIR ? "MODEL_DIR is set" : "the default";
  const meaning: Record<Profile, string> = {
    smoke: "tiny sizes for checks; its verdicts are not testable",
    default: "the mini models at the sizes two CPU cores allow",
    full: "the mini models at larger sizes",
    paper:
      "the paper's and the authors' scripts' settings (unscaled rates, epochs, batch, T, α, dropout, β₂, " +
      "best checkpoint)",
  };
  return `profile ${profile} (${source}): ${meaning[profile]}`;
}

/**
 * The value for the current profile, e.g. `byProfile({ smoke: 2, default: 20, full: 200 })`; `paper` takes
 * `full`'s value unless one is given for it.
 */
export function byProfile<T>(
  values: Record<Exclude<Profile, "paper">, T> & { paper?: T }, profile: Profile = currentProfile(),
): T {
  return profile === "paper" ? (values.paper ?? values.full) : values[profile];
}
