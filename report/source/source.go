// Package source finds where a plan's resources are written in the Terraform
// configuration, so reports can give file:line beside a resource address and
// SARIF can give code scanning a physical location.
//
// It reads the root module's .tf and .tf.json files with hashicorp/hcl and
// follows local module calls (sources starting "./" or "../") into their
// directories, as the plan's configuration section names them
// (module_calls[*].source) or, without a plan, as the module blocks do.
// Resources in remote modules (registry, git, …) have no location here: their
// code is not in the repository. Instances made by count and for_each, of a
// resource or of a module, resolve to their one block.
//
// The evaluator never reads files; the CLI builds an Index and hands it to
// the renderers as a report.Locator.
package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/tidwall/gjson"
	"github.com/zclconf/go-cty/cty"

	"github.com/prodgate/prodgate/report"
)

// Modules is the module tree of a plan's configuration section: each call in
// a module, by name, with the source it loads and the calls that module makes
// in turn (configuration.root_module.module_calls in `terraform show -json`).
type Modules map[string]ModuleCall

// ModuleCall is one module block as the plan's configuration describes it.
type ModuleCall struct {
	// Source is the module's source address as written: "./modules/db" for
	// a local module, a registry address or URL otherwise.
	Source string `json:"source"`
	Module struct {
		ModuleCalls Modules `json:"module_calls"`
	} `json:"module"`
}

// PlanModules reads the module tree from plan JSON. A plan without a
// configuration section (or without module calls) gives an empty tree, not
// an error: its resources are then all in the root module.
func PlanModules(plan []byte) (Modules, error) {
	calls := gjson.GetBytes(plan, "configuration.root_module.module_calls")
	if !calls.Exists() {
		return Modules{}, nil
	}
	var m Modules
	if err := json.Unmarshal([]byte(calls.Raw), &m); err != nil {
		return nil, fmt.Errorf("read configuration.root_module.module_calls: %w", err)
	}
	return m, nil
}

// maxDepth bounds how deep module calls are followed; Terraform has no limit,
// but a call that loads its own directory must not loop forever.
const maxDepth = 32

// Index maps configuration addresses ("module.db.aws_db_instance.main",
// "data.aws_iam_policy_document.x") to their blocks. It implements
// report.Locator and is safe for concurrent reads.
type Index struct {
	blocks map[string]*block
}

// block is one resource or data block: its header and its top-level
// arguments and nested blocks, by name.
type block struct {
	header hcl.Range
	parts  map[string]hcl.Range
}

// Load indexes the configuration rooted at dir. modules, from PlanModules,
// says which module each call loads; when nil the module blocks' own source
// arguments are followed. A file that does not parse, or a local module
// directory that is missing, is an error naming it.
func Load(dir string, modules Modules) (*Index, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("read terraform source: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("read terraform source: %s is not a directory", dir)
	}
	idx := &Index{blocks: map[string]*block{}}
	l := &loader{parser: hclparse.NewParser(), idx: idx}
	if err := l.module(filepath.Clean(dir), "", modules, modules != nil, 0); err != nil {
		return nil, err
	}
	return idx, nil
}

type loader struct {
	parser *hclparse.Parser
	idx    *Index
}

// module indexes one module directory under an address prefix
// ("module.a.module.b.") and follows its local module calls.
func (l *loader) module(dir, prefix string, calls Modules, fromPlan bool, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("read terraform source: modules nested more than %d deep at %s", maxDepth, strings.TrimSuffix(prefix, "."))
	}
	files, err := configFiles(dir)
	if err != nil {
		return err
	}
	written := Modules{} // the module blocks' own sources
	for _, file := range files {
		blocks, err := l.file(file)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			switch {
			case b.kind == "module":
				if _, dup := written[b.name]; !dup {
					written[b.name] = ModuleCall{Source: b.source}
				}
			default:
				key := prefix + b.address()
				if _, dup := l.idx.blocks[key]; !dup {
					l.idx.blocks[key] = &block{header: b.header, parts: b.parts}
				}
			}
		}
	}
	if !fromPlan {
		calls = written
	}
	names := make([]string, 0, len(calls))
	for name := range calls {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		call := calls[name]
		if !isLocal(call.Source) {
			continue // a remote module: the address alone
		}
		sub := filepath.Join(dir, filepath.FromSlash(call.Source))
		if info, err := os.Stat(sub); err != nil || !info.IsDir() {
			return fmt.Errorf("read terraform source: module %q (source %q): %s is not a directory", strings.TrimSuffix(prefix+"module."+name, "."), call.Source, sub)
		}
		nested := call.Module.ModuleCalls
		if err := l.module(sub, prefix+"module."+name+".", nested, fromPlan, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// isLocal reports whether a module source is a local path, which Terraform
// recognises by its "./" or "../" prefix.
func isLocal(src string) bool {
	for _, p := range []string{"./", "../", `.\`, `..\`} {
		if strings.HasPrefix(src, p) {
			return true
		}
	}
	return false
}

// configFiles lists a module's configuration files in the order Terraform
// reads them (by name), leaving out override files, which only change
// blocks defined elsewhere.
func configFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read terraform source: %w", err)
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		base, ok := strings.CutSuffix(name, ".tf")
		if !ok {
			base, ok = strings.CutSuffix(name, ".tf.json")
		}
		if !ok || base == "override" || strings.HasSuffix(base, "_override") {
			continue
		}
		files = append(files, filepath.Join(dir, name))
	}
	return files, nil
}

// found is a block read from a file.
type found struct {
	kind, typ, name string // "resource", "aws_db_instance", "main"
	source          string // a module block's source argument
	header          hcl.Range
	parts           map[string]hcl.Range
}

func (f found) address() string {
	if f.kind == "data" {
		return "data." + f.typ + "." + f.name
	}
	return f.typ + "." + f.name
}

// file reads the resource, data and module blocks of one file.
func (l *loader) file(path string) ([]found, error) {
	var (
		file  *hcl.File
		diags hcl.Diagnostics
	)
	if strings.HasSuffix(path, ".json") {
		file, diags = l.parser.ParseJSONFile(path)
	} else {
		file, diags = l.parser.ParseHCLFile(path)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("read terraform source: %w", diagError(diags))
	}
	if body, ok := file.Body.(*hclsyntax.Body); ok {
		return nativeBlocks(body), nil
	}
	return jsonBlocks(file.Body)
}

// topLevel is what a configuration file's top level may hold that matters here.
var topLevel = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "resource", LabelNames: []string{"type", "name"}},
	{Type: "data", LabelNames: []string{"type", "name"}},
	{Type: "module", LabelNames: []string{"name"}},
}}

func nativeBlocks(body *hclsyntax.Body) []found {
	var out []found
	for _, b := range body.Blocks {
		switch {
		case (b.Type == "resource" || b.Type == "data") && len(b.Labels) == 2:
			parts := map[string]hcl.Range{}
			for name, a := range b.Body.Attributes {
				parts[name] = a.SrcRange
			}
			for _, nb := range b.Body.Blocks {
				if _, ok := parts[nb.Type]; !ok {
					parts[nb.Type] = nb.DefRange()
				}
			}
			out = append(out, found{kind: b.Type, typ: b.Labels[0], name: b.Labels[1], header: b.DefRange(), parts: parts})
		case b.Type == "module" && len(b.Labels) == 1:
			f := found{kind: "module", name: b.Labels[0], header: b.DefRange()}
			if a, ok := b.Body.Attributes["source"]; ok {
				f.source = literalString(a.Expr)
			}
			out = append(out, f)
		}
	}
	return out
}

// jsonBlocks reads a .tf.json file through HCL's generic API; the JSON
// syntax has no nested block structure of its own, so every property of a
// resource counts as an argument.
func jsonBlocks(body hcl.Body) ([]found, error) {
	content, _, diags := body.PartialContent(topLevel)
	if diags.HasErrors() {
		return nil, fmt.Errorf("read terraform source: %w", diagError(diags))
	}
	var out []found
	for _, b := range content.Blocks {
		f := found{kind: b.Type, header: b.DefRange, parts: map[string]hcl.Range{}}
		attrs, _ := b.Body.JustAttributes()
		if b.Type == "module" {
			f.name = b.Labels[0]
			if a, ok := attrs["source"]; ok {
				f.source = literalString(a.Expr)
			}
		} else {
			f.typ, f.name = b.Labels[0], b.Labels[1]
			for name, a := range attrs {
				f.parts[name] = a.Range
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// literalString is the value of a string literal (module sources must be
// literals), or "" for anything else.
func literalString(e hcl.Expression) string {
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// diagError is the first error of a parse, "main.tf:3,7-8: Invalid ...".
func diagError(diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += "; " + d.Detail
		}
		if d.Subject != nil {
			return fmt.Errorf("%s: %s", d.Subject, msg)
		}
		return errors.New(msg)
	}
	return diags
}

// Locate implements report.Locator: the attribute's own range when the
// block writes it (its first path step: "versioning" for
// "versioning.enabled"), else the block's header.
func (idx *Index) Locate(address, attribute string) (report.SourceLocation, bool) {
	key, ok := configAddress(address)
	if !ok {
		return report.SourceLocation{}, false
	}
	b, ok := idx.blocks[key]
	if !ok {
		return report.SourceLocation{}, false
	}
	rng := b.header
	if name := firstStep(attribute); name != "" {
		if r, ok := b.parts[name]; ok {
			rng = r
		}
	}
	return report.SourceLocation{
		File: filepath.ToSlash(rng.Filename),
		Line: rng.Start.Line, Column: rng.Start.Column,
		EndLine: rng.End.Line, EndColumn: rng.End.Column,
	}, true
}

// Len is how many resource and data blocks the index holds.
func (idx *Index) Len() int { return len(idx.blocks) }

// configAddress turns a resource instance address into its configuration
// address: instance keys go ("module.a[0].aws_s3_bucket.b[\"x\"]" becomes
// "module.a.aws_s3_bucket.b"). Addresses are parsed as Terraform parses
// them, as HCL traversals, so keys holding dots or brackets are safe.
func configAddress(address string) (string, bool) {
	if address == "" {
		return "", false
	}
	trav, diags := hclsyntax.ParseTraversalAbs([]byte(address), "", hcl.InitialPos)
	if diags.HasErrors() {
		return "", false
	}
	var names []string
	for _, step := range trav {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			names = append(names, s.Name)
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		case hcl.TraverseIndex:
			// an instance key: the block is the same for every instance
		default:
			return "", false
		}
	}
	// module.NAME pairs, then [data.]TYPE.NAME.
	i := 0
	for i+1 < len(names) && names[i] == "module" && len(names)-i > 2 {
		i += 2
	}
	rest := names[i:]
	if rest[0] == "module" {
		return "", false // a module, not a resource in it
	}
	if (len(rest) == 3 && rest[0] == "data") || len(rest) == 2 {
		return strings.Join(names, "."), true
	}
	return "", false
}

// firstStep is the top-level argument or block an attribute path starts
// with: "rule" for "rule[0].apply_server_side_encryption_by_default".
func firstStep(attribute string) string {
	if i := strings.IndexAny(attribute, ".["); i >= 0 {
		return attribute[:i]
	}
	return attribute
}

var _ report.Locator = (*Index)(nil)
