// Command gen writes a large Terraform plan for benchmarks (see package
// plangen), in one of two shapes: "generated" (resource changes cloned from
// the whole corpus, no configuration section) or "real" (whole plans of
// checkov, infracost and terraform-validator cloned, configuration and all).
//
//	go run ./bench/gen -n 20000 -o /tmp/plan-20k.json
//	go run ./bench/gen -shape real -n 20000 -o /tmp/real-20k.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/prodgate/prodgate/bench/plangen"
)

func main() {
	n := flag.Int("n", 1000, "resource changes to write")
	out := flag.String("o", "", "output file (default stdout)")
	shape := flag.String("shape", plangen.ShapeGenerated, "plan shape: generated or real")
	corpus := flag.String("corpus", "", "folder of corpus plans to clone from (default ../shared/corpus/plans; the generated shape falls back to the repository's own plans)")
	flag.Parse()
	if err := run(*shape, *n, *out, *corpus); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(shape string, n int, out, corpus string) error {
	w := os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return fmt.Errorf("create output: %w", err)
		}
		defer f.Close()
		w = f
	}
	if err := plangen.WriteShape(w, shape, n, ".", corpus); err != nil {
		return fmt.Errorf("write %s plan: %w", shape, err)
	}
	fmt.Fprintf(os.Stderr, "gen: %d resource changes, %s shape\n", n, shape)
	return nil
}
