export { BACKEND_NAMES, BackendError, defaultCandidates, selectBackend } from "./select";
export type { BackendAttempt, BackendCandidate, BackendChoice, BackendName } from "./select";
export { environmentReport, formatEnvironment } from "./environment";
export type { EnvironmentReport } from "./environment";
