package rules

import (
	"fmt"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// This file answers one question for every AWS rule about backups: does an
// aws_backup_selection in the plan (or in prior_state) put this resource into
// an AWS Backup plan? The answer is an alternative satisfier: "the database is
// backed up" passes through native retention OR through AWS Backup.
//
// How a selection is read (AWS Backup API BackupSelection; "Assigning
// resources to a backup plan" in the AWS Backup developer guide):
//   - resources (ARNs, with `*` wildcards) filter first; none written means
//     every resource type. An entry matches r when it equals r's known arn, when
//     it is a wildcard pattern matching r's arn (or, while r's arn is unknown,
//     the shape of its type's ARN, e.g. arn:aws:ec2:*:*:volume/*), or, when
//     the list holds values known only after apply, when its expression
//     references r in the same module instance (Resource.Targets).
//   - selection_tag blocks (ListOfTags, StringEquals only) are OR-ed: one
//     matching tag of r (tags_all, else tags) is enough.
//   - the condition block (Conditions) is AND-ed: every string_equals,
//     string_not_equals, string_like and string_not_like must hold for r's
//     tags (keys "aws:ResourceTag/<key>").
//   - not_resources excludes r when an entry matches it as above.
//
// A selection with none of resources, selection_tag and condition selects
// every opted-in resource (AWS: "Otherwise, Backup attempts to select all
// supported and opted-in storage resources"). Best effort, not modelled: the
// backup plan's rules and retention, service opt-in settings, and the
// account/region of the selection (a selection only ever applies in its own
// account and region; prodgate assumes that is r's).
//
// A native backup rule accepts AWS Backup with one call around its own
// finding: orAWSBackup(c, r, evaluator.RequireAtLeast(...)).

// backupCover is a three-valued answer.
type backupCover int

const (
	backupNo backupCover = iota
	backupMaybe
	backupYes
)

// awsBackupCoverage is what the plan says about r and AWS Backup.
type awsBackupCoverage struct {
	// By says which selection covers r and how, e.g.
	// `aws_backup_selection.daily lists its ARN`; "" when none does.
	By string
	// Maybe names a selection that could cover r but depends on values known
	// only after apply; "" when there is none. Only meaningful when By is "".
	Maybe string
}

// Covered reports whether a selection covers r.
func (cov awsBackupCoverage) Covered() bool { return cov.By != "" }

// awsBackupCovers says whether an aws_backup_selection that exists after this
// plan covers r (see the rules at the top of this file). by names the
// selection and how it matches.
func awsBackupCovers(plan *tfplan.Plan, r *tfplan.Resource) (by string, covered bool) {
	cov := awsBackupCoverageOf(plan, r)
	return cov.By, cov.Covered()
}

// awsBackupCoverageOf is awsBackupCovers with the unknown case kept.
func awsBackupCoverageOf(plan *tfplan.Plan, r *tfplan.Resource) awsBackupCoverage {
	var cov awsBackupCoverage
	for _, sel := range plan.Existing("aws_backup_selection") {
		state, how := backupSelectionCovers(sel, r)
		switch state {
		case backupYes:
			return awsBackupCoverage{By: sel.Address + " " + how}
		case backupMaybe:
			if cov.Maybe == "" {
				cov.Maybe = sel.Address
			}
		}
	}
	return cov
}

// orAWSBackup lets a backup rule accept AWS Backup as the alternative to its
// native setting. native is the rule's own finding on r (from RequireAtLeast,
// RequireBool, …). A passing native finding is returned as it is. Otherwise:
// a covering aws_backup_selection turns it into a pass that names both the
// selection and the native value; a selection that may cover r but depends on
// values known only after apply turns a fail into unknown; else native stands.
func orAWSBackup(c *evaluator.Context, r *tfplan.Resource, native evaluator.Finding) evaluator.Finding {
	if native.Status == evaluator.StatusPass {
		return native
	}
	cov := awsBackupCoverageOf(c.Plan, r)
	switch {
	case cov.Covered():
		return c.Pass(r, native.Attribute, "AWS Backup covers it: "+cov.By+" (native setting: "+native.Message+")")
	case cov.Maybe != "" && native.Status == evaluator.StatusFail:
		return c.UnknownBecause(r, native.Attribute, native.Message+"; "+cov.Maybe+" may cover it through AWS Backup, but depends on values known only after apply", native.Expected+" or an aws_backup_selection covering it")
	}
	return native
}

// backupSelectionCovers judges one aws_backup_selection against r.
func backupSelectionCovers(sel, r *tfplan.Resource) (backupCover, string) {
	resources, resHow := backupListMatches(sel, "resources", r)
	tags, tagHow := backupTagsMatch(sel, r)
	conds, condHow := backupConditionsMatch(sel, r)
	if resources == backupNo || tags == backupNo || conds == backupNo {
		return backupNo, ""
	}
	excluded, _ := backupListMatches(sel, "not_resources", r)
	if excluded == backupYes {
		return backupNo, ""
	}
	if resources == backupMaybe || tags == backupMaybe || conds == backupMaybe || excluded == backupMaybe {
		return backupMaybe, ""
	}
	var how []string
	for _, h := range []string{resHow, tagHow, condHow} {
		if h != "" {
			how = append(how, h)
		}
	}
	if len(how) == 0 {
		return backupYes, "selects every opted-in resource (no resources, selection_tag or condition)"
	}
	return backupYes, strings.Join(how, " and ")
}

// backupListMatches reads resources or not_resources. An attribute that is
// not set or empty answers backupYes with no words for "resources" (no
// filter) and backupNo for "not_resources" (nothing excluded).
func backupListMatches(sel *tfplan.Resource, attr string, r *tfplan.Resource) (backupCover, string) {
	empty := backupNo
	if attr == "resources" {
		empty = backupYes
	}
	v := sel.After(attr)
	switch v.State {
	case tfplan.NotSet:
		return empty, ""
	case tfplan.Unknown:
		return backupByReference(sel, attr, r, backupNo)
	}
	items, _ := v.List()
	if len(items) == 0 {
		return empty, ""
	}
	state, hasUnknown := backupNo, false
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			if sel.After(fmt.Sprintf("%s.%d", attr, i)).State == tfplan.Unknown {
				hasUnknown = true
			}
			continue
		}
		switch backupARNMatches(s, r) {
		case backupYes:
			if strings.ContainsAny(s, "*?") {
				return backupYes, fmt.Sprintf("matches it with %s %q", attr, s)
			}
			return backupYes, "lists its ARN in " + attr
		case backupMaybe:
			state = backupMaybe
		}
	}
	if hasUnknown {
		return backupByReference(sel, attr, r, state)
	}
	return state, ""
}

// backupByReference judges a list holding ARNs known only after apply: the
// configuration reference to r decides (Resource.Targets), and otherwise
// backupUnknownListState says whether the unknown entries may still be r. Known
// lists are judged by their values only, so a reference to another instance
// of a count/for_each resource never counts.
func backupByReference(sel *tfplan.Resource, attr string, r *tfplan.Resource, known backupCover) (backupCover, string) {
	if sel.Targets(attr, r, "arn") {
		return backupYes, "references it in " + attr
	}
	if known == backupNo {
		return backupUnknownListState(sel, attr), ""
	}
	return known, ""
}

// backupUnknownListState decides what an ARN known only after apply may be. When
// the configuration shows it comes only from other managed resources, it is
// not r (r would have been found by reference); anything else (variables,
// locals, module outputs, or no configuration) may be r.
func backupUnknownListState(sel *tfplan.Resource, attr string) backupCover {
	if sel.Configured(attr) == tfplan.ConfigUnavailable {
		return backupMaybe
	}
	refs := sel.ConfigReferences(attr)
	for _, ref := range refs {
		for _, prefix := range []string{"var.", "local.", "module.", "each.", "count."} {
			if strings.HasPrefix(ref, prefix) {
				return backupMaybe
			}
		}
	}
	return backupNo
}

// backupARNShapes are the service and resource-id prefix of the ARN of the types
// AWS Backup protects, used to match wildcard patterns while r's arn is not
// known yet.
var backupARNShapes = map[string][2]string{
	"aws_ebs_volume":              {"ec2", "volume/"},
	"aws_instance":                {"ec2", "instance/"},
	"aws_efs_file_system":         {"elasticfilesystem", "file-system/"},
	"aws_db_instance":             {"rds", "db:"},
	"aws_rds_cluster":             {"rds", "cluster:"},
	"aws_neptune_cluster":         {"rds", "cluster:"},
	"aws_docdb_cluster":           {"rds", "cluster:"},
	"aws_dynamodb_table":          {"dynamodb", "table/"},
	"aws_redshift_cluster":        {"redshift", "cluster:"},
	"aws_fsx_lustre_file_system":  {"fsx", "file-system/"},
	"aws_fsx_windows_file_system": {"fsx", "file-system/"},
	"aws_fsx_ontap_file_system":   {"fsx", "file-system/"},
	"aws_fsx_openzfs_file_system": {"fsx", "file-system/"},
}

// awsARNUnknownPart stands for a part of an ARN not known yet: no literal in a
// pattern contains it, so only a wildcard can match it.
const awsARNUnknownPart = "\x01"

// backupARNMatches says whether the ARN or ARN pattern entry selects r.
func backupARNMatches(entry string, r *tfplan.Resource) backupCover {
	arn := r.After("arn")
	if a, ok := arn.Str(); ok && a != "" {
		if awsWildcardMatch(entry, a) {
			return backupYes
		}
		return backupNo
	}
	if entry == "*" {
		return backupYes
	}
	shape, ok := backupARNShapes[r.Type]
	if !ok {
		if arn.State == tfplan.Unknown && strings.ContainsAny(entry, "*?") {
			return backupMaybe
		}
		return backupNo
	}
	// A selection applies only in its own partition, account and region, so
	// those parts are taken from the pattern; service and resource type come
	// from r's type and its id is unknown.
	partition, region, account := awsARNUnknownPart, awsARNUnknownPart, awsARNUnknownPart
	if parts := strings.SplitN(entry, ":", 6); len(parts) == 6 {
		partition, region, account = parts[1], parts[3], parts[4]
	}
	candidate := "arn:" + partition + ":" + shape[0] + ":" + region + ":" + account + ":" + shape[1] + awsARNUnknownPart
	if awsWildcardMatch(entry, candidate) {
		return backupYes
	}
	return backupNo
}

// awsWildcardMatch matches AWS wildcards: `*` any run of characters (colons and
// slashes included), `?` any one character; everything else is literal.
func awsWildcardMatch(pattern, s string) bool {
	px, sx := 0, 0
	starPx, starSx := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]) && pattern[px] != '*':
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			starPx, starSx = px, sx
			px++
		case starPx >= 0:
			px = starPx + 1
			starSx++
			sx = starSx
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// awsResourceTag reads one tag of r: tags_all (which includes provider
// default_tags) when the plan has it, else tags.
func awsResourceTag(r *tfplan.Resource, key string) tfplan.Value {
	if all := r.After("tags_all"); all.State != tfplan.NotSet {
		return r.After(fmt.Sprintf("tags_all[%q]", key))
	}
	return r.After(fmt.Sprintf("tags[%q]", key))
}

// backupTagsMatch reads the selection_tag blocks (OR).
func backupTagsMatch(sel, r *tfplan.Resource) (backupCover, string) {
	v := sel.After("selection_tag")
	if v.State == tfplan.Unknown {
		return backupMaybe, ""
	}
	blocks, _ := v.List()
	if len(blocks) == 0 {
		return backupYes, ""
	}
	state := backupNo
	for i := range blocks {
		base := fmt.Sprintf("selection_tag.%d.", i)
		typ, key, want := sel.After(base+"type"), sel.After(base+"key"), sel.After(base+"value")
		k, kok := key.Str()
		w, wok := want.Str()
		if typ.State == tfplan.Unknown || !kok || !wok {
			if key.State == tfplan.Unknown || want.State == tfplan.Unknown || typ.State == tfplan.Unknown {
				state = backupMaybe
			}
			continue
		}
		if t, _ := typ.Str(); t != "" && !strings.EqualFold(t, "STRINGEQUALS") {
			continue
		}
		switch s := awsTagState(r, k, func(got string) bool { return got == w }); s {
		case backupYes:
			return backupYes, fmt.Sprintf("selects its tag %s = %q", k, w)
		case backupMaybe:
			state = backupMaybe
		}
	}
	return state, ""
}

// awsTagState tests r's tag key with ok; a missing tag answers ok("") so that
// the negative operators hold for untagged resources, as in IAM conditions.
func awsTagState(r *tfplan.Resource, key string, ok func(string) bool) backupCover {
	tag := awsResourceTag(r, key)
	switch tag.State {
	case tfplan.Unknown:
		return backupMaybe
	case tfplan.NotSet:
		if all := r.After("tags_all"); all.State == tfplan.Unknown {
			return backupMaybe
		}
		if ok("") {
			return backupYes
		}
		return backupNo
	}
	s, _ := tag.Str()
	if ok(s) {
		return backupYes
	}
	return backupNo
}

// backupConditionsMatch reads the condition block (AND of all operators).
func backupConditionsMatch(sel, r *tfplan.Resource) (backupCover, string) {
	v := sel.After("condition")
	if v.State == tfplan.Unknown {
		return backupMaybe, ""
	}
	blocks, _ := v.List()
	state := backupYes
	var how []string
	for i := range blocks {
		for _, op := range []struct {
			name   string
			negate bool
			like   bool
		}{{"string_equals", false, false}, {"string_not_equals", true, false}, {"string_like", false, true}, {"string_not_like", true, true}} {
			list := sel.After(fmt.Sprintf("condition.%d.%s", i, op.name))
			if list.State == tfplan.Unknown {
				state = backupMaybe
				continue
			}
			items, _ := list.List()
			for j := range items {
				base := fmt.Sprintf("condition.%d.%s.%d.", i, op.name, j)
				key, want := sel.After(base+"key"), sel.After(base+"value")
				k, kok := key.Str()
				w, wok := want.Str()
				if !kok || !wok {
					if key.State == tfplan.Unknown || want.State == tfplan.Unknown {
						state = backupMaybe
					}
					continue
				}
				tagKey := strings.TrimPrefix(k, "aws:ResourceTag/")
				s := awsTagState(r, tagKey, func(got string) bool {
					var m bool
					if op.like {
						m = awsWildcardMatch(w, got)
					} else {
						m = got == w
					}
					return m != op.negate
				})
				switch s {
				case backupNo:
					return backupNo, ""
				case backupMaybe:
					state = backupMaybe
				default:
					how = append(how, fmt.Sprintf("%s %s %q", op.name, tagKey, w))
				}
			}
		}
	}
	if state != backupYes || len(how) == 0 {
		return state, ""
	}
	return backupYes, "its tags meet condition " + strings.Join(how, ", ")
}

// awsBackupDocSelection is the part of the backup rules' docs that says when
// an aws_backup_selection covers a resource; keep it in step with
// backupSelectionCovers.
const awsBackupDocSelection = "An aws_backup_selection covers the resource when it exists after apply (in the plan or " +
	"only in prior_state) and: its resources list is not set or empty, or has an entry equal to the resource's known " +
	"arn, or a `*`/`?` wildcard pattern matching that arn (while the arn is unknown, matching the ARN shape of the " +
	"type, e.g. arn:aws:ec2:*:*:volume/*, taking partition, region and account from the pattern), or is an expression " +
	"referencing the resource in the same module instance while holding values known only after apply; and, when " +
	"selection_tag blocks are written, one of them (type STRINGEQUALS) equals a tag of the resource (tags_all, else " +
	"tags); and every condition operator (string_equals, string_not_equals, string_like, string_not_like on " +
	"aws:ResourceTag/<key>) holds for its tags (a missing tag reads as \"\"); and no not_resources entry matches it " +
	"the same way. So a selection with no resources, selection_tag or condition covers every resource (AWS then " +
	"selects all supported, opted-in resources). The backup plan's own rules and retention are not judged here."

// awsBackupDocMaybe says when such coverage is unknown.
const awsBackupDocMaybe = "an aws_backup_selection could cover the resource but depends on values known only after " +
	"apply: its resources or not_resources list (or an entry) is unknown and the configuration does not show it " +
	"comes only from other managed resources (variables, locals, module outputs, or no configuration section), or a " +
	"selection_tag or condition key/value, or the resource's tag, is unknown"

// EBSBackup requires EBS volumes to be in an AWS Backup plan.
type EBSBackup struct{}

func (EBSBackup) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-ebs-backup",
		Title:         "EBS volumes are backed up by AWS Backup",
		Severity:      evaluator.SeverityMedium,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_ebs_volume"},
		References:    []string{"CKV2_AWS_9"},
		Doc: evaluator.RuleDoc{
			Summary: "EBS has no automated backups of its own: without a snapshot schedule a deleted or corrupted volume " +
				"is gone. An AWS Backup plan takes and expires the snapshots. " + awsBackupDocSelection + " A volume " +
				"also counts as covered when an aws_volume_attachment that exists after apply attaches it (volume_id " +
				"and instance_id matched by known id or configuration reference) to an aws_instance that a selection " +
				"covers: AWS Backup's EC2 backups snapshot every attached volume. Not judged (no finding): destroyed or " +
				"forgotten volumes (the lifecycle rules cover them).",
			Pass: "aws_ebs_volume that will exist after apply (create, update, no-op, replace) covered by an " +
				"aws_backup_selection as described, directly or through the instance it is attached to.",
			Fail: "No aws_backup_selection that exists after apply covers the volume or the instance it is attached to, " +
				"and none might (see Unknown); this includes a plan with no aws_backup_selection at all.",
			Unknown: "No selection covers the volume or its instance, and " + awsBackupDocMaybe + ".",
			Remediation: "Add the volume to an AWS Backup plan: an `aws_backup_selection` whose `resources` lists " +
				"`aws_ebs_volume.<name>.arn` (or a pattern such as `arn:aws:ec2:*:*:volume/*`), or that selects a tag the volume carries.",
			Example: "resource \"aws_backup_selection\" \"volumes\" {\n  name         = \"ebs\"\n  plan_id      = aws_backup_plan.daily.id\n" +
				"  iam_role_arn = aws_iam_role.backup.arn\n  resources    = [aws_ebs_volume.data.arn]\n}",
		},
	}
}

func (EBSBackup) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "backup"
	const expected = "an aws_backup_selection covering the volume"
	cov := awsBackupCoverageOf(c.Plan, r)
	if cov.Covered() {
		return []evaluator.Finding{c.Pass(r, attr, cov.By)}
	}
	maybe := cov.Maybe
	for _, att := range c.Plan.Pointing("aws_volume_attachment", "volume_id", r, "id") {
		for _, inst := range c.Plan.PointedAt(att, "instance_id", "aws_instance", "id") {
			ic := awsBackupCoverageOf(c.Plan, inst)
			if ic.Covered() {
				return []evaluator.Finding{c.Pass(r, attr, att.Address+" attaches it to "+inst.Address+", and "+ic.By)}
			}
			if maybe == "" {
				maybe = ic.Maybe
			}
		}
	}
	if maybe != "" {
		return []evaluator.Finding{c.UnknownBecause(r, attr, maybe+" may cover the volume, but depends on values known only after apply", expected)}
	}
	return []evaluator.Finding{c.Fail(r, attr, "no aws_backup_selection in the plan covers the volume", expected, "none")}
}

// EFSBackup requires EFS file systems to be backed up, by EFS automatic
// backups or by an AWS Backup selection.
type EFSBackup struct{}

func (EFSBackup) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "aws-efs-backup",
		Title:         "EFS file systems are backed up",
		Severity:      evaluator.SeverityMedium,
		Category:      "backup",
		Provider:      "aws",
		Enforcement:   evaluator.EnforceBlocking,
		ResourceTypes: []string{"aws_efs_file_system"},
		References:    []string{"CKV2_AWS_18"},
		Doc: evaluator.RuleDoc{
			Summary: "A file system created through the API or Terraform has no backups unless automatic backups are " +
				"turned on (aws_efs_backup_policy, which uses the AWS Backup default plan) or an AWS Backup plan selects " +
				"it. An aws_efs_backup_policy counts for the file system when it exists after apply (in the plan or only " +
				"in prior_state) and its file_system_id equals the file system's known id or, while unknown, references " +
				"it in the same module instance. " + awsBackupDocSelection + " Not judged (no finding): destroyed or " +
				"forgotten file systems (the lifecycle rules cover them).",
			Pass: "aws_efs_file_system that will exist after apply (create, update, no-op, replace) with an " +
				"aws_efs_backup_policy for it whose backup_policy.status is \"ENABLED\", or covered by an aws_backup_selection as described.",
			Fail: "No aws_efs_backup_policy for it has status \"ENABLED\" (none exists, or its status is \"DISABLED\", " +
				"\"ENABLING\" or \"DISABLING\") and no aws_backup_selection covers it or might (see Unknown).",
			Unknown: "Neither passes, and a backup policy for it has backup_policy.status known only after apply, or " +
				awsBackupDocMaybe + ".",
			Remediation: "Add `aws_efs_backup_policy` with `backup_policy { status = \"ENABLED\" }`, or select the file " +
				"system in an AWS Backup plan (`aws_backup_selection`).",
			Example: "resource \"aws_efs_backup_policy\" \"shared\" {\n  file_system_id = aws_efs_file_system.shared.id\n" +
				"  backup_policy {\n    status = \"ENABLED\"\n  }\n}",
		},
	}
}

func (EFSBackup) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	if !r.Exists() {
		return nil
	}
	const attr = "backup"
	const expected = `backup_policy.status = "ENABLED" or an aws_backup_selection covering it`
	var policyUnknown, policyOff string
	for _, p := range c.Plan.Pointing("aws_efs_backup_policy", "file_system_id", r, "id") {
		status := p.After("backup_policy.status")
		if s, ok := status.Str(); ok && s == "ENABLED" {
			return []evaluator.Finding{c.Pass(r, attr, p.Address+` sets backup_policy.status to "ENABLED"`)}
		}
		if status.State == tfplan.Unknown {
			policyUnknown = p.Address
		} else {
			policyOff = p.Address + " sets backup_policy.status to " + status.Display()
		}
	}
	cov := awsBackupCoverageOf(c.Plan, r)
	if cov.Covered() {
		return []evaluator.Finding{c.Pass(r, attr, cov.By)}
	}
	switch {
	case policyUnknown != "":
		return []evaluator.Finding{c.UnknownBecause(r, attr, policyUnknown+" sets backup_policy.status from a value known only after apply, so the plan cannot show it meets the standard", expected)}
	case cov.Maybe != "":
		return []evaluator.Finding{c.UnknownBecause(r, attr, cov.Maybe+" may cover the file system, but depends on values known only after apply", expected)}
	}
	msg, actual := "no aws_efs_backup_policy enables automatic backups and no aws_backup_selection in the plan covers it", "none"
	if policyOff != "" {
		msg, actual = policyOff+" and no aws_backup_selection in the plan covers it", "automatic backups off"
	}
	return []evaluator.Finding{c.Fail(r, attr, msg, expected, actual)}
}
