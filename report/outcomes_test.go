package report

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/prodgate/prodgate/evaluator"
)

// bigReport has many findings, overlong text and repeated rule/address pairs.
func bigReport() *evaluator.Report {
	long := strings.Repeat("é", 3000) // 6000 bytes
	longRule := "team-" + strings.Repeat("x", 100)
	var fs []evaluator.Finding
	statuses := []evaluator.Status{evaluator.StatusPass, evaluator.StatusFail, evaluator.StatusUnknown, evaluator.StatusWarn, evaluator.StatusWaived}
	for i := 0; i < 200; i++ {
		st := statuses[i%len(statuses)]
		f := evaluator.Finding{
			RuleID:      fmt.Sprintf("rule-%d", i%7),
			Title:       "T",
			Address:     fmt.Sprintf("aws_db_instance.db[%d]", i%11),
			Severity:    evaluator.Severity(i % 5),
			Status:      st,
			Blocking:    (st == evaluator.StatusFail || st == evaluator.StatusUnknown) && i%3 != 0,
			Message:     fmt.Sprintf("finding %d\n%s", i, long),
			Expected:    long,
			Actual:      long,
			Remediation: long + long,
		}
		if i%13 == 0 {
			f.RuleID = longRule
		}
		if st == evaluator.StatusWaived {
			f.Waiver = &evaluator.Waiver{ID: "w", Owner: "o", Reason: long, Expires: "2026-01-01"}
		}
		fs = append(fs, f)
	}
	// Same rule, address and attribute twice: ids must still differ.
	dup := evaluator.Finding{RuleID: longRule, Address: "x.y", Attribute: "a", Status: evaluator.StatusFail, Blocking: true, Severity: evaluator.SeverityCritical, Message: "one"}
	fs = append(fs, dup, dup, dup)
	return withCounts(&evaluator.Report{Verdict: evaluator.VerdictFailed, Standard: strings.Repeat("S", 2000), Scope: "p", Findings: fs})
}

func TestOutcomesLimits(t *testing.T) {
	rep := bigReport()
	nonPass := 0
	for _, f := range rep.Findings {
		if f.Status != evaluator.StatusPass {
			nonPass++
		}
	}
	for _, limit := range []int{-1, 0, 1, 10, 100, 1000} {
		t.Run(fmt.Sprint("max ", limit), func(t *testing.T) {
			out := Outcomes(rep, limit)
			want := min(max(limit, 0), nonPass)
			if len(out) != want {
				t.Fatalf("got %d outcomes, want %d", len(out), want)
			}
			ids := map[string]bool{}
			for i, o := range out {
				if ids[o.OutcomeID] {
					t.Errorf("outcome %d: duplicate id %q", i, o.OutcomeID)
				}
				ids[o.OutcomeID] = true
				if len(o.OutcomeID) > MaxOutcomeIDLen || o.OutcomeID == "" {
					t.Errorf("outcome %d: id %q has %d bytes", i, o.OutcomeID, len(o.OutcomeID))
				}
				if len(o.Description) > MaxDescriptionLen || strings.ContainsAny(o.Description, "\n\r") {
					t.Errorf("outcome %d: description of %d bytes or not one line", i, len(o.Description))
				}
				if len(o.Body) > MaxBodyLen {
					t.Errorf("outcome %d: body of %d bytes", i, len(o.Body))
				}
				for _, s := range []string{o.OutcomeID, o.Description, o.Body} {
					if !utf8.ValidString(s) {
						t.Errorf("outcome %d: text is not valid UTF-8", i)
					}
				}
				for name, tags := range o.Tags {
					for _, tag := range tags {
						if len(tag.Label) > MaxTagLabelLen || tag.Label == "" {
							t.Errorf("outcome %d: tag %s label %q", i, name, tag.Label)
						}
						switch tag.Level {
						case "none", "info", "warning", "error":
						default:
							t.Errorf("outcome %d: tag %s level %q", i, name, tag.Level)
						}
					}
				}
			}
			if m := Message(rep); len(m) > MaxMessageLen {
				t.Errorf("message has %d bytes", len(m))
			}
		})
	}
}

func TestOutcomesOrderAndContent(t *testing.T) {
	rep := failingReport()
	out := Outcomes(rep, 100)
	type row struct{ ID, Description, Status, Severity string }
	var got []row
	for _, o := range out {
		got = append(got, row{
			ID:          o.OutcomeID[:strings.LastIndex(o.OutcomeID, ":")],
			Description: o.Description,
			Status:      o.Tags["Status"][0].Label + "/" + o.Tags["Status"][0].Level,
			Severity:    o.Tags["Severity"][0].Label + "/" + o.Tags["Severity"][0].Level,
		})
	}
	want := []row{
		{"lifecycle-protection-lowered", "aws_db_instance.main: deletion_protection changes from true to false in this plan, switching off deletion protection", "Failed/error", "Critical/error"},
		{"aws-rds-backup-retention", "aws_db_instance.main: backup_retention_period is 1 day, below 7", "Failed/error", "High/error"},
		{"aws-rds-storage-encrypted", "aws_db_instance.replica: storage_encrypted is known only after apply, so the plan cannot show it meets the standard", "Unknown/error", "High/error"},
		{"aws-rds-monitoring", "aws_db_instance.replica: unknown: monitoring_interval is known only after apply, so the plan cannot show it meets the standard", "Warning/warning", "Medium/warning"},
		{"prodgate-plan-incomplete", "1 resource is forgotten, not destroyed: aws_sqs_queue.old", "Warning/warning", "Medium/warning"},
		{"aws-tags-required", "aws_s3_bucket.assets[\"a|b\"]: missing tag `owner` <b>and</b> `cost|center` \\x1b[31mred\\x1b[0m second line", "Warning/warning", "Low/info"},
		{"aws-s3-versioning", "aws_s3_bucket.logs: versioning is disabled", "Waived/none", "High/error"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	// Ids are stable: the same report gives the same ids.
	again := Outcomes(failingReport(), 100)
	for i := range out {
		if out[i].OutcomeID != again[i].OutcomeID {
			t.Errorf("outcome %d id changed between runs: %q then %q", i, out[i].OutcomeID, again[i].OutcomeID)
		}
	}
	if got, want := Outcomes(rep, 2), out[:2]; !cmp.Equal(got, want) {
		t.Errorf("Outcomes(max 2) is not the first two of the full list:\n%s", cmp.Diff(want, got))
	}
}
