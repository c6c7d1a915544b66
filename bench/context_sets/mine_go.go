// Mines Go context tasks with go/types (not tree-sitter): every identifier in a
// function body of a non-test file that go/types resolves to a package-level
// declaration of the same module in another file. Prints one JSON task a line.
//
//	go run bench/context_sets/mine_go.go MODULE_ROOT
//
// cause: "package" (same package, no import), "import" (pkg.Name of another
// package of the module). Files excluded by build constraints are skipped, as
// the go tool would.
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

type task struct {
	File       string `json:"file"`
	Line       int    `json:"line"`
	Column     int    `json:"column"`
	Identifier string `json:"identifier"`
	GoldFile   string `json:"gold_file"`
	GoldLine   int    `json:"gold_line"`
	Cause      string `json:"cause"`
}

type miner struct {
	root, module string
	fset         *token.FileSet
	checked      map[string]*types.Package
	files        map[string][]*ast.File
	infos        map[string]*types.Info
	std          types.Importer
}

func (m *miner) Import(path string) (*types.Package, error) {
	if path == m.module || strings.HasPrefix(path, m.module+"/") {
		return m.check(filepath.Join(m.root, strings.TrimPrefix(strings.TrimPrefix(path, m.module), "/")), path), nil
	}
	pkg, err := m.std.Import(path)
	if err != nil {
		return types.NewPackage(path, filepath.Base(path)), nil
	}
	return pkg, nil
}

func (m *miner) check(dir, path string) *types.Package {
	if pkg, ok := m.checked[path]; ok {
		return pkg
	}
	m.checked[path] = types.NewPackage(path, filepath.Base(path)) // cycles: a stand-in
	entries, _ := os.ReadDir(dir)
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := build.Default.MatchFile(dir, name); err != nil || !ok {
			continue
		}
		f, err := parser.ParseFile(m.fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err == nil && f.Name.Name != "main" && !strings.HasSuffix(f.Name.Name, "_test") {
			files = append(files, f)
		}
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: m, Error: func(error) {}}
	pkg, _ := conf.Check(path, m.fset, files, info)
	m.checked[path], m.files[path], m.infos[path] = pkg, files, info
	return pkg
}

func (m *miner) rel(pos token.Pos) (string, token.Position) {
	p := m.fset.Position(pos)
	rel, _ := filepath.Rel(m.root, p.Filename)
	return filepath.ToSlash(rel), p
}

func (m *miner) tasks(path string) []task {
	var found []task
	for _, f := range m.files[path] {
		file, _ := m.rel(f.Pos())
		src, _ := os.ReadFile(filepath.Join(m.root, file))
		lines := strings.Split(string(src), "\n")
		first := map[int]task{}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				id, ok := n.(*ast.Ident)
				if !ok {
					return true
				}
				obj := m.infos[path].Uses[id]
				if obj == nil || obj.Pkg() == nil || obj.Parent() != obj.Pkg().Scope() || m.files[obj.Pkg().Path()] == nil {
					return true
				}
				if _, isPkg := obj.(*types.PkgName); isPkg {
					return true
				}
				gold, at := m.rel(obj.Pos())
				if !at.IsValid() || gold == file || strings.HasPrefix(gold, "..") || strings.HasSuffix(gold, "_test.go") {
					return true
				}
				cause := "package"
				if obj.Pkg().Path() != path {
					cause = "import"
				}
				_, use := m.rel(id.Pos())
				column := utf8.RuneCountInString(lines[use.Line-1][:use.Column-1])
				t := task{file, use.Line, column, id.Name, gold, at.Line, cause}
				if old, seen := first[use.Line]; !seen || column < old.Column {
					first[use.Line] = t
				}
				return true
			})
		}
		for _, t := range first {
			found = append(found, t)
		}
	}
	return found
}

func main() {
	root, _ := filepath.Abs(os.Args[1])
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "no go.mod in", root)
		os.Exit(2)
	}
	module := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(mod), "\n", 2)[0], "module"))
	m := &miner{root: root, module: module, fset: token.NewFileSet(), checked: map[string]*types.Package{},
		files: map[string][]*ast.File{}, infos: map[string]*types.Info{}, std: nil}
	m.std = importer.ForCompiler(m.fset, "gc", nil)
	var paths []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			name := d.Name()
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			rel, _ := filepath.Rel(root, p)
			path := module
			if rel != "." {
				path = module + "/" + filepath.ToSlash(rel)
			}
			m.check(p, path)
			paths = append(paths, path)
		}
		return nil
	})
	var all []task
	for _, path := range paths {
		all = append(all, m.tasks(path)...)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].File != all[j].File {
			return all[i].File < all[j].File
		}
		return all[i].Line < all[j].Line
	})
	out := json.NewEncoder(os.Stdout)
	for _, t := range all {
		out.Encode(t)
	}
}
