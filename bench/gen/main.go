// Command gen writes a large, realistic Terraform plan for benchmarks (see
// package plangen).
//
//	go run ./bench/gen -n 20000 -o /tmp/plan-20k.json
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
	corpus := flag.String("corpus", "", "folder of plan JSON files to clone from (default ../shared/corpus/plans, else the repository's own plans)")
	flag.Parse()
	if err := run(*n, *out, *corpus); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(n int, out, corpus string) error {
	dirs := plangen.DefaultDirs(".")
	if corpus != "" {
		dirs = []string{corpus}
	}
	templates, err := plangen.Templates(dirs...)
	if err != nil {
		return err
	}
	w := os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := plangen.Write(w, n, templates); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %d resource changes cloned from %d templates\n", n, len(templates))
	return nil
}
