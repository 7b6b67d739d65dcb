package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/prodgate/prodgate/evaluator"
)

// SchemaVersion is the version of the JSON document FormatJSON writes. It
// changes only when a field is renamed, removed or changes meaning; new
// fields may appear without a change.
const SchemaVersion = 1

// jsonRenderer writes the Report as indented JSON: schema_version first, then
// the Report's own fields in struct order, then derived fields.
type jsonRenderer struct {
	w    io.Writer
	opts Options
}

// jsonDocument is what FormatJSON writes. The embedded Report's fields are
// promoted to the top level.
type jsonDocument struct {
	SchemaVersion int `json:"schema_version"`
	*evaluator.Report
	// DurationMS is Report.Duration (duration_ns) in whole milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// ResultsURL is Options.ResultsURL, when set.
	ResultsURL string `json:"results_url,omitempty"`
}

func (j *jsonRenderer) Render(r *evaluator.Report) error {
	if r == nil {
		return errNilReport
	}
	rc := *r
	if rc.Findings == nil {
		rc.Findings = []evaluator.Finding{} // "findings": [], never null
	}
	doc := jsonDocument{
		SchemaVersion: SchemaVersion,
		Report:        &rc,
		DurationMS:    r.Duration.Milliseconds(),
		ResultsURL:    j.opts.ResultsURL,
	}
	enc := json.NewEncoder(j.w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}
