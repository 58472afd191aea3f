// libs/diagnose: see DESIGN.md. Filled in by its issue.
export {};
