// Talking to the tslab kernel. tslab's public `display.*` sends one MIME type per output; a figure needs
// several in one output (the frontend picks the richest it can draw), so we call the function tslab's
// own `display` uses: `lastWriteDisplayData` of tslab/dist/jupyter.js, set while the kernel runs a cell.

/** MIME type → content: a string (base64 for images), or a JSON value for application/*+json types. */
export type MimeBundle = Record<string, unknown>;

export interface EmitOptions {
  /** Names the output so that later emits with `update: true` replace it in place. */
  displayId?: string;
  /** Replace the output named by displayId instead of adding a new one. */
  update?: boolean;
  /** Per-MIME metadata, e.g. { "image/png": { width: 720, height: 460 } } to show a 2× PNG at 1×. */
  metadata?: Record<string, unknown>;
}

interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

interface TslabJupyterModule {
  lastWriteDisplayData: ((message: DisplayMessage, update: boolean) => void) | null;
}

/**
 * tslab's jupyter module, if the kernel has loaded it. Looked up in require.cache, never required:
 * loading it in plain node would pull in zeromq for nothing. Any tslab install counts (the project's
 * or a global one), since the kernel may have been started by either.
 */
function tslabJupyter(): TslabJupyterModule | undefined {
  const key = Object.keys(require.cache).find((k) => /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(k));
  return key === undefined ? undefined : (require.cache[key]?.exports as TslabJupyterModule);
}

/** True only inside a running tslab kernel (a cell has been executed). */
export function inKernel(): boolean {
  return tslabJupyter()?.lastWriteDisplayData != null;
}

/** Sends one display_data (or update_display_data) message to the cell being run. */
export function emitDisplay(bundle: MimeBundle, opts: EmitOptions = {}): void {
  const write = tslabJupyter()?.lastWriteDisplayData;
  if (!write) throw new Error("emitDisplay: not inside a tslab kernel (check inKernel() first)");
  write(
    { data: bundle, metadata: opts.metadata ?? {}, transient: opts.displayId ? { display_id: opts.displayId } : {} },
    opts.update ?? false,
  );
}

/** Text made safe to place in HTML outputs, in element content and in attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
