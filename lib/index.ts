export * from "./backend/index";
