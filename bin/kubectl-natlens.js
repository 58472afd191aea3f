#!/usr/bin/env node
// The kubectl plugin (package.json "bin"): with this on PATH, `kubectl natlens capture …` runs
// `natlens capture …` (kubectl passes the words after "natlens" as arguments).
import './natlens.js';
