package rules

import (
	"fmt"
	"strings"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/tfplan"
)

// tagMaps are the attributes that carry a resource's tags or labels, in the
// order they are judged. An "effective" map is computed by the provider and
// holds everything the resource will carry, including provider-level
// defaults: AWS tags_all (tags plus provider default_tags), Google
// effective_labels and terraform_labels (labels plus provider default_labels).
// When one of them is known it decides; the user's own map (tags, labels) can
// only add keys to it, never remove them.
var tagMaps = []struct {
	attr      string
	effective bool
}{
	{"tags_all", true},
	{"effective_labels", true},
	{"terraform_labels", true},
	{"tags", false},
	{"labels", false},
}

// tagsNotJudged are types whose top-level "labels" or "tags" attribute is not
// the resource's own metadata.
var tagsNotJudged = map[string]bool{
	// labels here is the channel's configuration (email_address, …); its
	// resource labels are user_labels.
	"google_monitoring_notification_channel": true,
}

// TagsRequired requires the keys a team lists to be present in every taggable
// resource's tags or labels.
type TagsRequired struct{}

func (TagsRequired) Meta() evaluator.RuleMeta {
	return evaluator.RuleMeta{
		ID:            "tags-required",
		Title:         "Resources carry the required tags",
		Severity:      evaluator.SeverityMedium,
		Category:      "tagging",
		Provider:      "any",
		Enforcement:   evaluator.EnforceAdvisory,
		ResourceTypes: []string{"*"},
		Params: []evaluator.ParamSpec{
			{
				Name: "keys", Kind: evaluator.ParamStringList, Default: []string{},
				Source: "none: which tags a team requires (owner, cost centre, environment, data class) is its own decision; " +
					"AWS Config's required-tags rule and Azure Policy's \"Require a tag on resources\" likewise take the keys as input",
				Doc: "Tag or label keys every taggable resource must carry, compared case-sensitively. With no keys the rule " +
					"gives no findings. Google Cloud label keys are lowercase only, so list lowercase keys for Google resources " +
					"(for example in a scope that matches Google workspaces).",
			},
			{
				Name: "ignore_types", Kind: evaluator.ParamStringList, Default: []string{},
				Source: "none: every taggable type is judged",
				Doc:    "Resource types not judged: exact names, or a prefix ending in * (\"aws_iam_*\").",
			},
		},
		References: []string{"AWS Config managed rule required-tags", "Azure Policy \"Require a tag on resources\""},
		Doc: evaluator.RuleDoc{
			Summary: "Tags say who owns a resource, who pays for it and how critical its data is; an untagged production " +
				"database has no one to page. Provider-level default tags count: AWS provider default_tags appear in tags_all, " +
				"Google provider default_labels in terraform_labels and effective_labels. The rule is advisory and " +
				"gives no findings until the policy lists keys, for example " +
				"`rules: {tags-required: {params: {keys: [owner, cost-center]}}}`.",
			Pass: "A resource that will exist after apply (create, update, no-op, replace) whose planned object has a " +
				"tags_all, effective_labels, terraform_labels, tags or labels attribute (this is what makes a resource " +
				"taggable; AWS tags_all includes default_tags), or an aws_autoscaling_group (its `tag` blocks and legacy " +
				"`tags` list, whose elements' key counts), that carries every listed key: the key is in a known " +
				"effective map (tags_all, effective_labels, terraform_labels) or in a known tags/labels map. Presence " +
				"is what counts; a key whose value is known only after apply or is empty is present. One finding per resource.",
			Fail: "The same resources when a listed key is in none of those maps and an effective map is known, or " +
				"no effective map exists and tags/labels is known or not set (null). The message lists the missing keys in " +
				"policy order. Keys are case-sensitive (\"Owner\" is not \"owner\"). Not judged (no finding): resources " +
				"with none of those attributes, a tags/labels value that is not a map, destroyed, forgotten or deposed " +
				"objects, types in ignore_types, google_monitoring_notification_channel (its labels are channel " +
				"settings), and every resource when keys is empty. Tags added by separate resources (aws_ec2_tag) " +
				"are not counted.",
			Unknown: "A listed key is in no known map, and the map that would decide (tags_all, effective_labels or " +
				"terraform_labels, or tags/labels where the type has no effective map) is known only after apply, as when " +
				"default_tags come from a value not yet known.",
			Remediation: "Add the missing keys to the resource's tags (labels on Google Cloud), or once for every " +
				"resource through the AWS provider's default_tags or the Google provider's default_labels.",
			Example: "provider \"aws\" {\n  default_tags {\n    tags = { owner = \"payments\", cost-center = \"cc-42\" }\n  }\n}\n\n" +
				"resource \"azurerm_resource_group\" \"main\" {\n  name     = \"payments\"\n  location = \"westeurope\"\n" +
				"  tags     = { owner = \"payments\", cost-center = \"cc-42\" }\n}",
		},
	}
}

// tagState is what the plan says about one tag map.
type tagState struct {
	attr      string
	effective bool
	value     tfplan.Value
	keys      map[string]any // when value is a known map
}

func (TagsRequired) Check(c *evaluator.Context, r *tfplan.Resource) []evaluator.Finding {
	required := c.Strings("keys")
	if len(required) == 0 || !r.Exists() || tagsNotJudged[r.Type] || matchesAnyType(c.Strings("ignore_types"), r.Type) {
		return nil
	}
	states, judged := readTagMaps(r)
	if r.Type == "aws_autoscaling_group" {
		states, judged = readASGTags(r), true
	}
	if !judged {
		return nil
	}
	// The attribute named in the finding: the first map the plan has a value
	// for, effective maps first (that is what default tags reach).
	first := states[0]
	for _, s := range states {
		if s.value.State != tfplan.NotSet {
			first = s
			break
		}
	}
	attr := first.attr
	decided := false // a known effective map decides absence
	anyUnknown := false
	for _, s := range states {
		if s.effective && s.keys != nil {
			decided = true
		}
		if s.value.State == tfplan.Unknown {
			anyUnknown = true
		}
	}

	var missing, undetermined []string
	for _, key := range required {
		present := false
		for _, s := range states {
			if s.keys == nil {
				continue
			}
			if v, ok := s.keys[key]; ok && (v != nil || s.keyUnknown(r, key)) {
				present = true
				break
			}
		}
		switch {
		case present:
		case !decided && anyUnknown:
			undetermined = append(undetermined, key)
		default:
			missing = append(missing, key)
		}
	}

	expected := "keys " + strings.Join(required, ", ")
	switch {
	case len(missing) > 0:
		what := fmt.Sprintf("%s is missing required keys: %s", attr, strings.Join(missing, ", "))
		if first.value.State == tfplan.NotSet {
			what = fmt.Sprintf("%s is not set, so required keys are missing: %s", attr, strings.Join(missing, ", "))
		}
		return []evaluator.Finding{c.Fail(r, attr, what, expected, "missing "+strings.Join(missing, ", "))}
	case len(undetermined) > 0:
		for _, s := range states {
			if s.value.State == tfplan.Unknown {
				attr = s.attr // name the map that is not yet known
				break
			}
		}
		return []evaluator.Finding{c.UnknownBecause(r, attr, fmt.Sprintf(
			"%s is known only after apply, so the plan cannot show the keys %s are present", attr, strings.Join(undetermined, ", ")), expected)}
	}
	return []evaluator.Finding{c.Pass(r, attr, fmt.Sprintf("%s has the required keys %s", attr, strings.Join(required, ", ")))}
}

// readTagMaps reads the tag attributes the planned object has, effective maps
// first. judged is false when the object has none of them, or when one of
// them is not a map (not tag metadata this rule understands).
func readTagMaps(r *tfplan.Resource) (states []tagState, judged bool) {
	var obj map[string]any // the whole planned object, decoded only if needed
	objRead := false
	for _, m := range tagMaps {
		s := tagState{attr: m.attr, effective: m.effective, value: r.After(m.attr)}
		switch s.value.State {
		case tfplan.Known:
			keys, ok := s.value.Raw().(map[string]any)
			if !ok {
				return nil, false
			}
			s.keys = keys
		case tfplan.NotSet:
			// Null and missing read the same; only the object's own keys tell
			// a taggable resource with no tags from a type that has none.
			if !objRead {
				obj, _ = r.After("").Raw().(map[string]any)
				objRead = true
			}
			if _, ok := obj[m.attr]; !ok {
				continue
			}
		}
		states = append(states, s)
	}
	return states, len(states) > 0
}

// readASGTags reads aws_autoscaling_group's tags, which are not a map: `tag`
// blocks and, before AWS provider 5.0, a `tags` list, each element holding a
// key. AWS provider default_tags do not reach autoscaling groups, so neither
// is an effective map. An element whose key is known only after apply makes
// its list unknown.
func readASGTags(r *tfplan.Resource) []tagState {
	var states []tagState
	for _, attr := range []string{"tag", "tags"} {
		v := r.After(attr)
		s := tagState{attr: attr, value: v}
		switch v.State {
		case tfplan.NotSet:
			if attr == "tags" {
				continue // the legacy list is usually absent or null
			}
		case tfplan.Known:
			list, _ := v.List()
			s.keys = make(map[string]any, len(list))
			for _, el := range list {
				m, _ := el.(map[string]any)
				key, ok := m["key"].(string)
				if !ok {
					s.keys, s.value = nil, tfplan.Value{Path: attr, State: tfplan.Unknown}
					break
				}
				s.keys[key] = true
			}
		}
		states = append(states, s)
	}
	return states
}

// keyUnknown reports whether a key present in a known map has a value known
// only after apply (Terraform writes such values as null in after).
func (s tagState) keyUnknown(r *tfplan.Resource, key string) bool {
	if strings.ContainsAny(key, `[]"`) {
		return false
	}
	return r.After(s.attr+`["`+key+`"]`).State == tfplan.Unknown
}
