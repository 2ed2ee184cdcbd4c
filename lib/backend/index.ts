export { BACKEND_NAMES, BackendError, chosenBackend, defaultCandidates, selectBackend } from "./select";
export type { BackendAttempt, BackendCandidate, BackendChoice, BackendName } from "./select";
export { environmentReport, formatEnvironment } from "./environment";
export type { EnvironmentReport } from "./environment";
export { BLAS_ADDON_PATH, BlasError, blasSettings, blasStatus, installBlasKernels, uninstallBlasKernels } from "./blas";
export type { BlasStatus } from "./blas";
export { installWasmAliasing, uninstallWasmAliasing } from "./wasm-aliasing";
export {
  FUSED_ADDON_PATH, FusedError, fusedKernelsActive, fusedSettings, fusedStatus, installFusedKernels,
  uninstallFusedKernels,
} from "./fused";
export type { FusedStatus } from "./fused";
export { installWasmSegmentSum } from "./wasm-segment-sum";
export { matmulGflops, useTfBackend } from "./throughput";
export {
  AttentionError, attentionStatus, dropoutMultiplier, fusedAttention, fusedAttentionActive, installAttentionKernels,
  uninstallAttentionKernels,
} from "./attention";
export type { AttentionLayout } from "./attention";
