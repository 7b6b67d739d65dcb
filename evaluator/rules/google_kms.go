package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// GoogleKMSKeyRotation requires automatic rotation of symmetric Cloud KMS keys
// at least every max_days days.
type GoogleKMSKeyRotation struct{}

func (GoogleKMSKeyRotation) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "google-kms-key-rotation",
		Title:         "Cloud KMS keys rotate automatically",
		Severity:      evaluator.SeverityMedium,
		Category:      "encryption",
		Provider:      "google",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"google_kms_crypto_key"},
		Params: []evaluator.ParamSpec{{
			Name:    "max_days",
			Kind:    evaluator.ParamInt,
			Default: int64(90),
			Source:  "90 days: CIS Google Cloud Platform Foundation Benchmark 1.10 (also Checkov CKV_GCP_43 and Trivy AVD-GCP-0065)",
			Doc:     "Longest automatic rotation period (rotation_period) a symmetric key may have, in days.",
		}},
		References: []string{"CKV_GCP_43", "GCP-0065", "AVD-GCP-0065", "CIS GCP 1.10"},
		Doc: evaluator.RuleDoc{
			Summary: "Rotation limits how much data one key version protects and how long a leaked version stays useful. " +
				"Cloud KMS rotates a key only when rotation_period is set; there is no default. Only keys with purpose " +
				"ENCRYPT_DECRYPT support automatic rotation, so keys with any other purpose (ASYMMETRIC_SIGN, " +
				"ASYMMETRIC_DECRYPT, RAW_ENCRYPT_DECRYPT, MAC) are not judged (no finding), nor are destroyed or forgotten keys.",
			Pass: "google_kms_crypto_key that will exist after apply (create, update, no-op, replace) whose purpose is " +
				"\"ENCRYPT_DECRYPT\" or not set (provider default \"ENCRYPT_DECRYPT\") and whose rotation_period (seconds with " +
				"an \"s\" suffix, such as \"7776000s\") is at most max_days days (default 90, 7776000s).",
			Fail: "rotation_period is longer than max_days days, or not set (no automatic rotation), or not a number of " +
				"seconds ending in \"s\" (cannot be judged, so the gate fails closed).",
			Unknown: "purpose or rotation_period is known only after apply (an unset purpose is judged as the default " +
				"\"ENCRYPT_DECRYPT\" when the plan's configuration shows it is not written).",
			Remediation: "Set `rotation_period = \"7776000s\"` (90 days) or shorter on the key.",
			Example:     "resource \"google_kms_crypto_key\" \"data\" {\n  name            = \"data\"\n  key_ring        = google_kms_key_ring.main.id\n  rotation_period = \"7776000s\"\n}",
		},
	}
}

func (GoogleKMSKeyRotation) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	purpose := evaluator.EffectiveAfter(r, "purpose", "ENCRYPT_DECRYPT")
	if !purpose.Known() {
		return []evaluator.Finding{c.Unknown(r, "purpose", `"ENCRYPT_DECRYPT"`)}
	}
	if s, _ := purpose.Raw.(string); s != "ENCRYPT_DECRYPT" {
		return nil
	}
	maxDays := c.Int("max_days")
	expected := fmt.Sprintf("<= %ds (%d days)", maxDays*86400, maxDays)
	v := r.After("rotation_period")
	switch v.State {
	case tfplan.Unknown:
		return []evaluator.Finding{c.Unknown(r, "rotation_period", expected)}
	case tfplan.NotSet:
		return []evaluator.Finding{c.Fail(r, "rotation_period",
			"rotation_period is not set, so the key never rotates automatically", expected, "not set (no automatic rotation)")}
	}
	s, _ := v.Str()
	seconds, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "s"), 64)
	if err != nil || !strings.HasSuffix(strings.TrimSpace(s), "s") {
		return []evaluator.Finding{c.Fail(r, "rotation_period",
			fmt.Sprintf("rotation_period %s is not a number of seconds ending in \"s\", so it cannot be judged", v.Display()),
			expected, v.Display())}
	}
	days := strconv.FormatFloat(seconds/86400, 'f', -1, 64)
	if seconds > float64(maxDays*86400) {
		return []evaluator.Finding{c.Fail(r, "rotation_period",
			fmt.Sprintf("rotation_period is %s (%s days), longer than the maximum of %d days", v.Display(), days, maxDays),
			expected, v.Display())}
	}
	return []evaluator.Finding{c.Pass(r, "rotation_period", fmt.Sprintf("rotation_period is %s (%s days)", v.Display(), days))}
}
