// What notebooks import: `import * as qkv from "./lib/index";` (tslab needs the explicit /index).
export * from "./backend/index";
export * from "./notebook/index";
export * from "./paper/index";
export * from "./plot/index";
