// The content of the paper's Figure 5, "a diagram of how the theory guides the experiments" (docs/paper.md §4.5),
// as data: the two theorems, the phenomena they explain, the design choices and the strategy these lead to,
// and the experiments that test it. The paper's drawing is not available, so notebook 07_figure5 draws this
// (lib/notebook/guidance builds the diagram, checking every notebook named here against the catalog, so renaming a
// notebook breaks a test instead of this figure); the logic follows the paper's §1–§3.

export type GuidanceKind = "theory" | "phenomenon" | "choice" | "strategy" | "experiment";

export interface GuidanceNode {
  id: string;
  /** Plotly pseudo-HTML, as the diagram draws it. */
  label: string;
  /** Position in the drawing, 0-based: columns left to right, rows top to bottom. */
  column: number;
  row: number;
  kind: GuidanceKind;
  /**
   * CATALOG notebooks that hold the evidence for this node (the ones that reproduce it, for theory and
   * experiments).
   */
  notebooks: string[];
}

export const GUIDANCE_COLUMNS = ["Theory", "Phenomenon → design choice", "Strategy", "Experiments that test it"];

// Rows mirror each other: the W_k story (Theorem 1) in the top half, the λ story (Theorem 2) in the bottom
// half, the strategy in the middle; each experiment sits beside the half it mostly tests.
export const GUIDANCE_NODES: GuidanceNode[] = [
  {
    id: "theorem1", kind: "theory", column: 0, row: 0,
    label: "<b>Theorem 1</b> · generalization<br>" +
      "error(A<sub>QV</sub>) ≤ √((4R²/N)·q·r·Σ<sub>i∈I</sub>(d<sub>in</sub>+d<sub>out</sub>))<br>" +
      "A<sub>QKV</sub>: 6R² for 4R², a bound √(6/4) ≈ 1.22× larger",
    notebooks: ["01_theorem1_generalization.ipynb"],
  },
  {
    id: "theorem2", kind: "theory", column: 0, row: 4,
    label: "<b>Theorem 2</b> · optimization (toy model)<br>" +
      "η<sub>QK</sub> = Θ(n<sup>−1</sup>), η<sub>V</sub> = Θ(1) ⇒ " +
      "every δ<sup>i</sup><sub>t</sub> = Θ(1)<br>" +
      "(efficient feature learning): λ = η<sub>V</sub>/η<sub>QK</sub> = Θ(n)",
    notebooks: ["02_theorem2_lr_dynamics.ipynb"],
  },
  {
    id: "unequal-importance", kind: "phenomenon", column: 1, row: 0,
    label: "<b>Phenomenon 1</b> · unequal importance<br>W<sub>v</sub> matters far more than W<sub>k</sub>;<br>" +
      "QV matches or beats QKV",
    notebooks: ["08_table1.ipynb"],
  },
  {
    id: "freeze-wk", kind: "choice", column: 1, row: 1,
    label: "<b>Freeze W<sub>k</sub></b>, adapt W<sub>q</sub>, W<sub>v</sub><br>(1/3 fewer adapter parameters)",
    notebooks: ["08_table1.ipynb", "10_table3.ipynb"],
  },
  {
    id: "lambda", kind: "choice", column: 1, row: 3,
    label: "<b>η<sub>V</sub> = λ·η<sub>QK</sub></b> with λ > 1<br>(W<sub>v</sub> learns faster)",
    notebooks: ["03_figure1.ipynb", "04_figure2.ipynb"],
  },
  {
    id: "customised-lr", kind: "phenomenon", column: 1, row: 4,
    label: "<b>Phenomenon 2</b> · customised learning rates<br>" +
      "λ = η<sub>V</sub>/η<sub>QK</sub> > 1 converges faster<br>" +
      "and ends better",
    notebooks: ["03_figure1.ipynb", "04_figure2.ipynb", "05_figure3.ipynb", "06_figure4.ipynb"],
  },
  {
    id: "strategy", kind: "strategy", column: 2, row: 2,
    label: "<b>Proposed strategy</b><br>freeze W<sub>k</sub>; train W<sub>q</sub>, W<sub>v</sub><br>" +
      "(LoRA, DoRA or full FT)<br>at η<sub>V</sub> = λ·η<sub>QK</sub>, λ > 1",
    notebooks: ["09_table2.ipynb"],
  },
  {
    id: "table1", kind: "experiment", column: 3, row: 0,
    label: "<b>Table 1</b> · fine-tune each of the 7 subsets<br>of {W<sub>q</sub>, W<sub>k</sub>, W<sub>v</sub>}",
    notebooks: ["08_table1.ipynb"],
  },
  {
    id: "table3", kind: "experiment", column: 3, row: 1,
    label: "<b>Table 3</b> · storage and training time<br>of the strategy vs QKV",
    notebooks: ["10_table3.ipynb"],
  },
  {
    id: "table2", kind: "experiment", column: 3, row: 2,
    label: "<b>Table 2</b> · QV at λ ∈ {2, 4, 8} vs QKV<br>(LoRA, DoRA, full FT) on GLUE",
    notebooks: ["09_table2.ipynb"],
  },
  {
    id: "figures1-3", kind: "experiment", column: 3, row: 3,
    label: "<b>Figures 1, 3</b> · encoder: accuracy over<br>(η<sub>QK</sub>, η<sub>V</sub>); training loss",
    notebooks: ["03_figure1.ipynb", "05_figure3.ipynb"],
  },
  {
    id: "figures2-4", kind: "experiment", column: 3, row: 4,
    label: "<b>Figures 2, 4</b> · decoder: (η<sub>QK</sub>, η<sub>V</sub>) heatmap;<br>" +
      "loss at λ = 1 vs best λ > 1",
    notebooks: ["04_figure2.ipynb", "06_figure4.ipynb"],
  },
];

export interface GuidanceEdge {
  from: string;
  to: string;
  label?: string;
}

export const GUIDANCE_EDGES: GuidanceEdge[] = [
  { from: "theorem1", to: "unequal-importance", label: "explains" },
  { from: "unequal-importance", to: "freeze-wk" },
  { from: "freeze-wk", to: "strategy" },
  { from: "theorem2", to: "customised-lr", label: "explains" },
  { from: "customised-lr", to: "lambda" },
  { from: "lambda", to: "strategy" },
  ...["table1", "table3", "table2", "figures1-3", "figures2-4"].map((to) => ({ from: "strategy", to })),
];
