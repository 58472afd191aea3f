// libs/decode: see DESIGN.md. Filled in by its issue.
export {};
