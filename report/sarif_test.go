package report_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/report"
)

// sarifLog is the part of SARIF that GitHub code scanning requires or reads
// (docs.github.com/en/code-security, "SARIF support for code scanning"),
// decoded independently of the library that wrote it.
type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID               string `json:"id"`
					Name             string `json:"name"`
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					Help             struct{ Text, Markdown string }
					HelpURI          string `json:"helpUri"`
					Properties       struct {
						Tags             []string `json:"tags"`
						SecuritySeverity string   `json:"security-severity"`
						Precision        string   `json:"precision"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []sarifResult `json:"results"`
	} `json:"runs"`
}

type sarifResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex *int   `json:"ruleIndex"`
	Level     string `json:"level"`
	Message   struct{ Text string }
	Locations []struct {
		ID               *int `json:"id"`
		PhysicalLocation *struct {
			ArtifactLocation struct{ URI string } `json:"artifactLocation"`
			Region           struct {
				StartLine, StartColumn, EndLine, EndColumn int
			} `json:"region"`
		} `json:"physicalLocation"`
		LogicalLocations []struct {
			FullyQualifiedName string `json:"fullyQualifiedName"`
			Kind               string `json:"kind"`
		} `json:"logicalLocations"`
	} `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []struct {
		Kind, Status, Justification string
	} `json:"suppressions"`
}

func decodeSARIF(t *testing.T, data []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	return log
}

// TestSARIFMeetsGitHubRequirements decodes the fixture's SARIF and checks,
// property by property, what GitHub requires of an upload and what the
// issue asks of each result.
func TestSARIFMeetsGitHubRequirements(t *testing.T) {
	rep := e2eReport(t)
	data := renderE2E(t, report.FormatSARIF, e2eOptions(t))
	log := decodeSARIF(t, data)

	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif") || !strings.HasSuffix(log.Schema, "2.1.0.json") {
		t.Errorf("version %q, $schema %q: want 2.1.0 and the 2.1.0 schema", log.Version, log.Schema)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "prodgate" || run.Tool.Driver.Version != "v1.0.0-test" {
		t.Errorf("tool.driver %q %q", run.Tool.Driver.Name, run.Tool.Driver.Version)
	}

	// Rules: every one described, with help, a doc link and a severity score.
	rules := map[string]int{}
	for i, r := range run.Tool.Driver.Rules {
		if _, dup := rules[r.ID]; dup {
			t.Errorf("rule %s listed twice", r.ID)
		}
		rules[r.ID] = i
		if r.ID == "" || r.Name == "" || r.ShortDescription.Text == "" || r.FullDescription.Text == "" || r.Help.Text == "" || r.Help.Markdown == "" {
			t.Errorf("rule %q lacks a required text: %+v", r.ID, r)
		}
		if want := report.DefaultRuleDocsURL + "#" + r.ID; r.HelpURI != want {
			t.Errorf("rule %s helpUri %q, want %q", r.ID, r.HelpURI, want)
		}
		if len(r.Properties.Tags) == 0 || len(r.Properties.Tags) > 10 {
			t.Errorf("rule %s has %d tags; GitHub shows at most 10", r.ID, len(r.Properties.Tags))
		}
		if score, err := strconv.ParseFloat(r.Properties.SecuritySeverity, 64); err != nil || score <= 0 || score > 10 {
			t.Errorf("rule %s security-severity %q: want a score in (0, 10]", r.ID, r.Properties.SecuritySeverity)
		}
	}
	// Every rule that ran is there: the ones with findings, and the
	// default-on rules that judged nothing in this plan.
	for _, id := range []string{"aws-rds-deletion-protection", "aws-lb-internet-facing", "lifecycle-stateful-destroy", "google-sql-pitr"} {
		if _, ok := rules[id]; !ok {
			t.Errorf("tool.driver.rules lacks %s", id)
		}
	}
	if _, ok := rules["aws-s3-object-lock"]; ok {
		t.Error("a rule the policy switched off is listed as run")
	}

	// Results: one per finding that is not a pass.
	want := map[string]evaluator.Finding{}
	for _, f := range rep.Findings {
		if f.Status != evaluator.StatusPass {
			want[f.RuleID+" "+f.Address] = f
		}
	}
	if len(run.Results) != len(want) {
		t.Fatalf("%d results, want one for each of the %d findings that are not passes", len(run.Results), len(want))
	}
	hashes := map[string]bool{}
	for _, res := range run.Results {
		if len(res.Locations) != 1 || len(res.Locations[0].LogicalLocations) != 1 {
			t.Fatalf("result %s: want one location with one logical location, got %+v", res.RuleID, res.Locations)
		}
		loc := res.Locations[0]
		addr := loc.LogicalLocations[0].FullyQualifiedName
		f, ok := want[res.RuleID+" "+addr]
		if !ok {
			t.Errorf("result %s on %s matches no finding", res.RuleID, addr)
			continue
		}
		if i, ok := rules[res.RuleID]; !ok || res.RuleIndex == nil || *res.RuleIndex != i {
			t.Errorf("result %s: ruleIndex %v does not point at its rule (%d)", res.RuleID, res.RuleIndex, i)
		}
		wantLevel := "warning"
		switch {
		case f.Blocking:
			wantLevel = "error"
		case f.Status == evaluator.StatusWaived:
			wantLevel = "note"
		}
		if res.Level != wantLevel {
			t.Errorf("result %s on %s (%s, blocking %v): level %q, want %q", res.RuleID, addr, f.Status, f.Blocking, res.Level, wantLevel)
		}
		if !strings.HasPrefix(res.Message.Text, addr+": ") || !strings.Contains(res.Message.Text, f.Message) {
			t.Errorf("result %s message.text %q: want the address and the finding's message", res.RuleID, res.Message.Text)
		}
		if loc.ID == nil || *loc.ID < 0 {
			t.Errorf("result %s: location.id %v, GitHub allows 0 to 2^63-1", res.RuleID, loc.ID)
		}
		pl := loc.PhysicalLocation
		if pl == nil || pl.ArtifactLocation.URI == "" || pl.Region.StartLine < 1 {
			t.Errorf("result %s on %s: no physical location with a file and a start line: %+v", res.RuleID, addr, pl)
		} else if strings.HasPrefix(addr, "module.network.") != (pl.ArtifactLocation.URI == "testdata/e2e/plan.json") {
			t.Errorf("result %s on %s points at %s: want the .tf file, or the plan for the remote module", res.RuleID, addr, pl.ArtifactLocation.URI)
		}
		h := res.PartialFingerprints["primaryLocationLineHash"]
		if h == "" || hashes[h] {
			t.Errorf("result %s on %s: primaryLocationLineHash %q missing or not unique", res.RuleID, addr, h)
		}
		hashes[h] = true
		waived := f.Status == evaluator.StatusWaived
		if waived != (len(res.Suppressions) == 1) {
			t.Errorf("result %s (%s): suppressions %+v", res.RuleID, f.Status, res.Suppressions)
		}
		if waived {
			s := res.Suppressions[0]
			if s.Kind != "external" || s.Status != "accepted" || !strings.Contains(s.Justification, f.Waiver.Reason) || !strings.Contains(s.Justification, f.Waiver.Owner) {
				t.Errorf("waived result's suppression %+v: want external, accepted, with the waiver's reason and owner", s)
			}
		}
	}

	// And the whole document is valid against the SARIF 2.1.0 schema.
	parsed, err := sarif.FromBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := parsed.Validate(); err != nil {
		t.Errorf("SARIF does not validate against the 2.1.0 schema: %v", err)
	}
}

// shiftedLocator moves every location down some lines, as an edit above
// the resources would.
type shiftedLocator struct {
	report.Locator
	by int
}

func (s shiftedLocator) Locate(address, attribute string) (report.SourceLocation, bool) {
	l, ok := s.Locator.Locate(address, attribute)
	l.Line += s.by
	l.EndLine += s.by
	return l, ok
}

// TestSARIFFingerprintsSurviveEdits: the fingerprints GitHub matches alerts
// by do not change when the code around a resource moves, so a rerun does
// not open new alerts.
func TestSARIFFingerprintsSurviveEdits(t *testing.T) {
	opts := e2eOptions(t)
	before := decodeSARIF(t, renderE2E(t, report.FormatSARIF, opts))
	opts.Locator = shiftedLocator{opts.Locator, 7}
	after := decodeSARIF(t, renderE2E(t, report.FormatSARIF, opts))
	for i, res := range before.Runs[0].Results {
		moved := after.Runs[0].Results[i]
		if res.PartialFingerprints["primaryLocationLineHash"] != moved.PartialFingerprints["primaryLocationLineHash"] {
			t.Errorf("result %s: fingerprint changed when its line moved", res.RuleID)
		}
		if pl, ml := res.Locations[0].PhysicalLocation, moved.Locations[0].PhysicalLocation; strings.HasSuffix(pl.ArtifactLocation.URI, ".tf") && ml.Region.StartLine != pl.Region.StartLine+7 {
			t.Errorf("result %s: start line %d after the shift, want %d", res.RuleID, ml.Region.StartLine, pl.Region.StartLine+7)
		}
	}
}

// TestSARIFResultLimit: a run never holds more results than GitHub accepts;
// the most severe are kept and a notification says how many were left out.
func TestSARIFResultLimit(t *testing.T) {
	rep := &evaluator.Report{Verdict: evaluator.VerdictFailed}
	for i := range report.MaxSARIFResults + 10 {
		sev, blocking := evaluator.SeverityLow, false
		if i%3 == 0 {
			sev, blocking = evaluator.SeverityCritical, true
		}
		rep.Findings = append(rep.Findings, evaluator.Finding{RuleID: "r", Address: fmt.Sprintf("a.b[%d]", i), Severity: sev, Status: evaluator.StatusFail, Blocking: blocking, Message: "m"})
	}
	var buf strings.Builder
	r, _ := report.New(report.FormatSARIF, &buf, report.Options{})
	if err := r.Render(rep); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results     []struct{ Level string } `json:"results"`
			Invocations []struct {
				ToolExecutionNotifications []struct{ Message struct{ Text string } } `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(buf.String()), &log); err != nil {
		t.Fatal(err)
	}
	results := log.Runs[0].Results
	if len(results) != report.MaxSARIFResults {
		t.Fatalf("%d results, want %d", len(results), report.MaxSARIFResults)
	}
	errors := 0
	for _, res := range results {
		if res.Level == "error" {
			errors++
		}
	}
	if want := (report.MaxSARIFResults + 10 + 2) / 3; errors != want {
		t.Errorf("%d blocking results kept, want all %d", errors, want)
	}
	notes := log.Runs[0].Invocations[0].ToolExecutionNotifications
	if len(notes) != 1 || !strings.HasPrefix(notes[0].Message.Text, "10 more findings are left out") {
		t.Errorf("notifications %+v: want one saying 10 findings were left out", notes)
	}
}
