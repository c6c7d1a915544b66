// Mines TypeScript context tasks with the TypeScript compiler API (not tree-sitter):
// every identifier in a function body that the type checker resolves (through
// imports, barrels and aliases) to a top-level declaration in another file of the
// package. Prints one JSON task a line.
//
//   node bench/context_sets/mine_ts.js SOURCE_ROOT [path/to/typescript]
//
// cause: "import" (a name imported from the file that declares it), "reexport" (the
// import names a barrel or re-exporting file), "qualified" (ns.member),
// "overload" (gold is the implementation of an overload set).
"use strict";
const fs = require("fs");
const path = require("path");
const ts = require(process.argv[3] || "typescript");

const root = path.resolve(process.argv[2]);
const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith(".") && !["node_modules", "__tests__", "test", "tests", "dist"].includes(e.name)) walk(full);
    } else if (/\.tsx?$/.test(e.name) && !/\.d\.ts$|\.(test|spec)\.tsx?$/.test(e.name)) files.push(full);
  }
})(root);

const program = ts.createProgram(files, {
  target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true, noEmit: true, skipLibCheck: true, jsx: ts.JsxEmit.Preserve,
});
const checker = program.getTypeChecker();
const rel = (f) => path.relative(root, f).split(path.sep).join("/");
const inside = (f) => !path.relative(root, f).startsWith("..") && !f.includes("node_modules") && !f.endsWith(".d.ts");
const isFunction = (n) => ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) ||
  ts.isFunctionExpression(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n);

function topLevel(decl) {
  let node = decl;
  while (node.parent && !ts.isSourceFile(node.parent)) {
    if (ts.isVariableDeclarationList(node.parent) || ts.isVariableStatement(node.parent) || ts.isVariableDeclaration(node)) {
      node = node.parent;
      continue;
    }
    return false;
  }
  return true;
}

function lineOf(node) {
  const sf = node.getSourceFile();
  const name = node.name || node;
  return sf.getLineAndCharacterOfPosition(name.getStart(sf)).line + 1;
}

for (const sf of program.getSourceFiles()) {
  if (!inside(sf.fileName)) continue;
  const file = rel(sf.fileName);
  const first = new Map();
  function visit(node, inBody) {
    if (inBody && ts.isIdentifier(node)) consider(node);
    const body = inBody || (isFunction(node) && node.body !== undefined);
    ts.forEachChild(node, (child) => visit(child, body && !(isFunction(node) && child === node.name)));
  }
  function consider(id) {
    const parent = id.parent;
    if (parent && (ts.isImportSpecifier(parent) || (parent.name === id && !ts.isPropertyAccessExpression(parent)))) return;
    let symbol = checker.getSymbolAtLocation(id);
    if (!symbol) return;
    let cause = "import";
    if (ts.isPropertyAccessExpression(parent) && parent.name === id) {
      const owner = checker.getSymbolAtLocation(parent.expression);
      if (!owner || !(owner.flags & ts.SymbolFlags.Alias)) return; // members of values need types: not this set
      cause = "qualified";
    }
    if (symbol.flags & ts.SymbolFlags.Alias) {
      const spec = symbol.declarations && symbol.declarations[0];
      const target = checker.getAliasedSymbol(symbol);
      const importDecl = spec && (ts.findAncestor(spec, ts.isImportDeclaration));
      symbol = target;
      if (importDecl) {
        const moduleSymbol = checker.getSymbolAtLocation(importDecl.moduleSpecifier);
        const via = moduleSymbol && moduleSymbol.declarations && moduleSymbol.declarations[0];
        const declFile = symbol.declarations && symbol.declarations[0] && symbol.declarations[0].getSourceFile().fileName;
        if (via && declFile && via.getSourceFile().fileName !== declFile) cause = "reexport";
      }
    } else if (cause !== "qualified") {
      return; // a local or global name
    }
    const decls = (symbol.declarations || []).filter((d) => inside(d.getSourceFile().fileName) && topLevel(d));
    if (!decls.length) return;
    let gold = decls[0];
    const bodies = decls.filter((d) => isFunction(d) && d.body);
    if (decls.length > 1 && bodies.length) {
      gold = bodies[0];
      cause = "overload";
    }
    const goldFile = rel(gold.getSourceFile().fileName);
    if (goldFile === file) return;
    const at = sf.getLineAndCharacterOfPosition(id.getStart(sf));
    const task = { file, line: at.line + 1, column: at.character, identifier: id.text, gold_file: goldFile,
      gold_line: lineOf(gold), cause };
    const old = first.get(task.line);
    if (!old || task.column < old.column) first.set(task.line, task);
  }
  visit(sf, false);
  for (const task of [...first.values()].sort((a, b) => a.line - b.line)) process.stdout.write(JSON.stringify(task) + "\n");
}
