// The checkout's root, from which every project folder (notebooks/, figures/, data/, .jupyter/) is found.
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..");
