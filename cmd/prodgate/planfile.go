package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"slices"

	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// zipMagic starts every binary plan file written by `terraform plan -out`.
var zipMagic = []byte("PK\x03\x04")

// readPlan reads plan JSON from a file or stdin ("-"). A binary plan file is
// converted with `terraform show -json`, run in the current directory, which
// must be the initialised working directory the plan was made in. release,
// when not nil, drops pages of the plan's bytes from memory (they come back
// from the file when read again; see evaluator.Options.Release).
func readPlan(ctx context.Context, path string, stdin io.Reader) (plan *tfplan.Plan, release func(start, end int), err error) {
	var data []byte
	if path == "-" {
		// Stdin redirected from a file is mapped like --plan FILE; a pipe is read.
		if f, ok := stdin.(*os.File); ok {
			data, release, err = loadOpenFile(f)
		} else {
			data, err = readAll(stdin, 0)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read plan from stdin: %w", err)
		}
	} else {
		data, release, err = loadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, badInput(fmt.Errorf("read plan: %s does not exist; write it with `terraform plan -out=tfplan` then `terraform show -json tfplan > %s`, or pass the binary plan file (--plan tfplan)", path, path))
		}
		if err != nil {
			return nil, nil, badInput(fmt.Errorf("read plan: %w", err))
		}
	}
	if bytes.HasPrefix(data, zipMagic) {
		if path == "-" {
			return nil, nil, badInput(errors.New("stdin holds a binary plan file; pass it with --plan FILE or pipe `terraform show -json FILE` instead"))
		}
		data, err = terraformShow(ctx, path)
		if err != nil {
			return nil, nil, err
		}
		release = nil
	}
	tuneGC(len(data), release == nil)
	plan, err = tfplan.ParsePlanWith(data, tfplan.ParseOptions{Release: release})
	if err != nil {
		var ie *tfplan.InputError
		if errors.As(err, &ie) {
			return nil, nil, badInput(fmt.Errorf("%s: %w", displayName(path), ie.Err))
		}
		return nil, nil, err
	}
	return plan, release, nil
}

// mapThreshold is the size from which a plan file is mapped instead of read:
// large plans then cost page cache, not heap, and pages the scan has passed
// are dropped from memory as it goes.
const mapThreshold = 8 << 20

// loadFile returns the file's bytes (see loadOpenFile: mapped on Unix when large).
func loadFile(path string) (data []byte, release func(start, end int), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return loadOpenFile(f)
}

// readAll reads r to the end into a buffer of sizeHint bytes (plus one, to
// see the end without growing) or 1 MiB, doubling it as needed: io.ReadAll
// grows by a quarter at a time once large, copying a 30 MB plan from a pipe
// many times over.
func readAll(r io.Reader, sizeHint int) ([]byte, error) {
	buf := make([]byte, 0, max(sizeHint+1, 1<<20))
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// tuneGC sets the garbage collector for a one-shot check, unless the user set
// GOGC or GOMEMLIMIT: check builds its data once and exits, so collecting as
// a server would (Go's default, every time the heap doubles from 4 MB) costs
// time for nothing. The collector runs first when the heap reaches the plan's
// own size plus 24 MiB (plus the plan again when it was read into the heap
// rather than mapped): a 20k plan is judged without a single collection, and
// large plans still stay within about twice their size. Past that floor it
// paces as Go's default does (holdHeapFloor). It used to be a memory limit
// (32 MiB above the plan, runtime overhead included, so the same first
// collection); a plan whose data outgrows its bytes — 100,000 minimal
// database resources in 12 MB give a million findings — then collected without
// end at the limit, for 3 times the CPU time (15 s against 5 s, at 810 MiB
// against 450 MiB of memory).
func tuneGC(planSize int, planInHeap bool) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	floor := uint64(planSize) + 24<<20
	if planInHeap {
		floor += uint64(planSize)
	}
	holdHeapFloor(floor) // check exits when done: nothing to stop
}

func terraformShow(ctx context.Context, path string) ([]byte, error) {
	bin, err := exec.LookPath("terraform")
	if err != nil {
		return nil, badInput(fmt.Errorf("%s is a binary plan file and terraform is not on PATH to convert it; run `terraform show -json %s > plan.json` and pass plan.json", path, path))
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "show", "-json", path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, badInput(fmt.Errorf("terraform show -json %s failed (%v): %s", path, err, bytes.TrimSpace(stderr.Bytes())))
	}
	return stdout.Bytes(), nil
}

func displayName(path string) string {
	if path == "-" {
		return "plan on stdin"
	}
	return path
}
