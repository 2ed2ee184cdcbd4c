// Figure 5's diagram from the paper's content (lib/paper/guidance): each box that a notebook reproduces names it,
// checked against the catalog.
import { GUIDANCE_COLUMNS, GUIDANCE_EDGES, GUIDANCE_NODES, GuidanceNode } from "../paper/index";
import type { DiagramNode, DiagramOptions } from "../plot/diagram";
import { CATALOG, CatalogEntry } from "./catalog";

/** CATALOG's entry for a notebook, or an error naming the node that refers to a notebook CATALOG lacks. */
export function guidanceNotebook(node: GuidanceNode, notebook: string): CatalogEntry {
  const entry = CATALOG.find((e) => e.notebook === notebook);
  if (!entry) {
    throw new Error(
      `guidance: node "${node.id}" names notebook "${notebook}", which is not in CATALOG (lib/notebook/catalog.ts)`,
    );
  }
  return entry;
}

/**
 * The input of flowDiagram for Figure 5. The boxes of what a notebook reproduces (theorems, experiments)
 * name it underneath; the phenomena, choices and strategy are tested by the experiments they lead to.
 */
export function guidanceDiagram(): DiagramOptions {
  const nodes = GUIDANCE_NODES.map((n): DiagramNode => {
    const names = n.notebooks.map((nb) => guidanceNotebook(n, nb).notebook.replace(/\.ipynb$/, ""));
    const shown = n.kind === "theory" || n.kind === "experiment";
    return {
      id: n.id, label: n.label, column: n.column, row: n.row, kind: n.kind,
      ...(shown ? { note: names.join(" · ") } : {}),
    };
  });
  return {
    title: "How the theory guides the experiments (the paper's Figure 5, drawn from code)",
    columnTitles: GUIDANCE_COLUMNS,
    nodes,
    edges: GUIDANCE_EDGES,
  };
}
