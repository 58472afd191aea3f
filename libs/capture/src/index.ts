// libs/capture: see DESIGN.md. Filled in by its issue.
export {};
