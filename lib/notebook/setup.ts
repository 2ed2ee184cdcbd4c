// One call in place of a notebook's preamble: the profile it runs under, the tfjs backend (the fastest that loads),
// the worker processes grids may use, and, when asked, the built-in task suite regenerated where it is missing.
import * as os from "os";
import { selectBackend } from "../backend/index";
import type { BackendChoice } from "../backend/index";
import { ensureSuite } from "../data/index";
import { currentProfile, describeProfile, Profile } from "../experiments/profile";
import { PROTOCOL, PROTOCOL_HASH } from "../experiments/protocol";
import { TASKS_DIR } from "../paths";

export interface NotebookSetup {
  profile: Profile;
  backend: BackendChoice;
  /** Worker processes for grids and sweeps: one per core. */
  workers: number;
}

/** Prints one line of what it found (and the suite's status with `tasks`), and returns it. */
export async function setup(options: { tasks?: boolean } = {}): Promise<NotebookSetup> {
  const profile = currentProfile();
  const backend = await selectBackend();
  const workers = os.availableParallelism();
  // The protocol in use heads every notebook, so a reader knows which rules judged what follows.
  console.log(`${describeProfile(profile)}; protocol v${PROTOCOL.version} (${PROTOCOL.date}, hash ${PROTOCOL_HASH}); ` +
    `tfjs backend ${backend.name}; ${workers} worker processes`);
  // The suite is regenerated (seconds, byte-identical) rather than committed.
  if (options.tasks) ensureSuite(TASKS_DIR, console.log);
  return { profile, backend, workers };
}
